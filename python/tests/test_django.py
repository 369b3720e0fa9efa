"""The Django app against real Django 5.1.6 and WhiteNoise 6.7.0: start-up,
system checks, template tags, the merged static files manifest, and serving the
bake with its pre-compressed variants and immutable caching (test client and a
real gunicorn process)."""

from __future__ import annotations

import gzip
import http.client
import json
import os
import shutil
from pathlib import Path

import brotli
import pytest

from conftest import gunicorn_server

ROOT = Path(__file__).resolve().parents[2]
TESTS = Path(__file__).resolve().parent
IMMUTABLE = "max-age=315360000, public, immutable"


@pytest.fixture(scope="module")
def project(django_project):
    return django_project


@pytest.fixture(scope="module")
def manifest(project) -> dict:
    return json.loads(project.manifest.read_text(encoding="utf-8"))


def body(resp) -> bytes:
    return b"".join(resp.streaming_content) if resp.streaming else resp.content


def test_loaded_once_at_startup(project) -> None:
    import prebake
    from prebake.django import get_manifest

    m = get_manifest()
    assert m is prebake.get_default()  # the package default is the start-up manifest
    assert m.build_id == json.loads(project.manifest.read_text())["build_id"]
    assert m.url("cmu/cmus.parquet") == "/static/prebake/" + m.asset("cmu/cmus.parquet")["path"]


def test_system_checks_pass(project) -> None:
    from django.core.management import call_command

    call_command("check", fail_level="WARNING")


def check_ids() -> list[str]:
    from prebake.django.checks import check_manifest

    return [m.id for m in check_manifest()]


@pytest.fixture
def reload_after():
    from prebake.django import load_manifest

    yield load_manifest
    load_manifest()  # back to the project's settings


def test_check_missing_manifest(project, tmp_path, reload_after) -> None:
    from django.test import override_settings

    from prebake.django.checks import check_manifest

    with override_settings(PREBAKE_MANIFEST=str(tmp_path / "manifest.json")):
        reload_after()
        msgs = check_manifest()
        assert [m.id for m in msgs] == ["prebake.E002"]
        assert str(tmp_path / "manifest.json") in msgs[0].msg and "no manifest" in msgs[0].msg
        from django.core.exceptions import ImproperlyConfigured

        from prebake.django import get_manifest

        with pytest.raises(ImproperlyConfigured, match="no manifest"):
            get_manifest()
    with override_settings(PREBAKE_MANIFEST=None):
        assert check_ids() == ["prebake.E001"]


def test_check_unknown_schema(project, tmp_path, reload_after) -> None:
    from django.test import override_settings

    p = tmp_path / "manifest.json"
    data = json.loads(project.manifest.read_text())
    data["schema_version"] = 9
    p.write_text(json.dumps(data))
    with override_settings(PREBAKE_MANIFEST=str(p)):
        reload_after()
        from prebake.django.checks import check_manifest

        msgs = check_manifest()
        assert [m.id for m in msgs] == ["prebake.E002"] and "schema_version 9" in msgs[0].msg


def test_check_stale_out_dir(project, tmp_path, reload_after) -> None:
    from django.test import override_settings

    with override_settings(PREBAKE_OUT_DIR=str(tmp_path)):
        reload_after()
        from prebake.django.checks import check_manifest

        msgs = check_manifest()
        assert [m.id for m in msgs] == ["prebake.E003"]
        assert "stale output directory" in msgs[0].msg and "cmu/" in msgs[0].msg


def test_check_manifest_changed_on_disk(project, tmp_path, reload_after) -> None:
    from django.test import override_settings

    p = tmp_path / "manifest.json"
    shutil.copy(project.manifest, p)
    with override_settings(PREBAKE_MANIFEST=str(p)):
        reload_after()
        assert check_ids() == []
        data = json.loads(p.read_text())
        data["build_id"] = "0123456789abcdef"
        p.write_text(json.dumps(data))
        assert check_ids() == ["prebake.E004"]


def test_check_max_age(project) -> None:
    from django.test import override_settings

    with override_settings(PREBAKE_MAX_AGE=60):  # the session bake is dated 2026-01-01
        assert check_ids() == ["prebake.W001"]
    with override_settings(PREBAKE_MAX_AGE=10 * 365 * 86400):
        assert check_ids() == []


def test_verify_command(project, manifest, tmp_path, reload_after) -> None:
    from django.core.management import CommandError, call_command
    from django.test import override_settings

    call_command("prebake_verify", "--files", "cmu/component_details", "postcodes", verbosity=0)
    # a copy of the bake with one asset damaged
    out = tmp_path / "out"
    a = manifest["assets"]["cmu/cmu_to_company.json"]
    out.joinpath(a["path"]).parent.mkdir(parents=True)
    out.joinpath(a["path"]).write_bytes(b"{}\n")
    with override_settings(PREBAKE_OUT_DIR=str(out)):
        reload_after()
        # the damaged asset, the absent one, and the br and gzip variants of each (absent)
        with pytest.raises(CommandError, match="6 problem"):
            call_command("prebake_verify", "cmu/cmu_to_company.json", "locations/company_list.json", verbosity=0)


def test_template_renders_with_the_bake(project, manifest, monkeypatch) -> None:
    from django.conf import settings
    from django.test import Client

    import prebake.manifest

    def no_reads(*args, **kwargs):
        raise AssertionError("the manifest was read again after start-up")

    monkeypatch.setattr(prebake.manifest.Manifest, "load", no_reads)
    monkeypatch.setattr(prebake.manifest.Manifest, "from_bytes", no_reads)

    app_manifest = json.loads((Path(settings.STATIC_ROOT) / "staticfiles.json").read_text())
    resp = Client().get("/", {"outcode": "WF11"})
    assert resp.status_code == 200
    html = resp.content.decode()
    a = manifest["assets"]
    assert f'href="/static/{app_manifest["paths"]["checker/css/app.css"]}"' in html
    assert f'id="cmus" href="/static/prebake/{a["cmu/cmus.parquet"]["path"]}"' in html
    ci = a["cmu/company_index.json"]
    assert f'href="/static/prebake/{ci["path"]}" integrity="{ci["integrity"]}"' in html
    pc = manifest["shardsets"]["postcodes"]
    assert f'href="/static/prebake/{pc["path"]}/WF11.json"' in html
    dsr = manifest["tilesets"]["maptiles/default/DSR"]
    template = "/static/prebake/" + dsr["tilejson"]["tiles"][0]
    assert f'data-template="{template}"' in html
    assert f'"tiles": ["{template}"]' in html  # the json_script of the tile set
    assert f'<p id="build">{manifest["build_id"]}</p>' in html
    assert "<p id=\"frame\">10398 rows," in html


def test_views_read_the_bake(project) -> None:
    from django.test import Client

    c = Client()
    r = c.get("/api/component-map-detail/698/")
    assert r.status_code == 200 and r.json()["success"] is True and r.json()["data"]["id"] == 698
    assert c.get("/api/component-map-detail/999999999/").status_code == 404
    r = c.get("/api/company-years/gridbeyondlimited/2024/")
    assert r.status_code == 200 and len(r.json()["cmu_ids"]) > 0


def test_static_manifest_is_merged(project, manifest, tmp_path) -> None:
    from django.conf import settings
    from django.contrib.staticfiles.storage import ManifestStaticFilesStorage, staticfiles_storage
    from django.test import override_settings

    app_manifest = json.loads((Path(settings.STATIC_ROOT) / "staticfiles.json").read_text())
    # collectstatic wrote the app's own files only
    assert list(app_manifest["paths"]) == ["checker/css/app.css"]
    assert staticfiles_storage.url("checker/css/app.css") == "/static/" + app_manifest["paths"]["checker/css/app.css"]
    # prebake's own staticfiles.json (prebake build --django-staticfiles) names the same files
    go = json.loads(project.staticfiles.read_text())["paths"]
    assert go == {k: v["path"] for k, v in manifest["assets"].items()}
    for name, path in go.items():
        assert staticfiles_storage.url("prebake/" + name) == "/static/prebake/" + path
        assert staticfiles_storage.stored_name("prebake/" + name) == "prebake/" + path
    # DEBUG: the app's names stay unhashed as Django does; the bake's still resolve
    with override_settings(DEBUG=True):
        assert staticfiles_storage.url("checker/css/app.css") == "/static/checker/css/app.css"
        assert staticfiles_storage.url("prebake/cmu/cmus.json") == "/static/prebake/" + go["cmu/cmus.json"]
    # What the merge fixes: Django's storage given prebake's file alone loses the app's names.
    (tmp_path / "staticfiles.json").write_bytes(project.staticfiles.read_bytes())
    alone = ManifestStaticFilesStorage(location=str(tmp_path), base_url="/static/")
    assert alone.url("cmu/cmus.json") == "/static/" + go["cmu/cmus.json"]
    with pytest.raises(ValueError, match="Missing staticfiles manifest entry for 'checker/css/app.css'"):
        alone.url("checker/css/app.css")


def served(project, manifest):
    """(url, file bytes, encodings beside it) of a JSON asset (br and gzip), a
    Parquet asset (none) and a shard (br only: a set's variants are for
    browsers, docs/manifest.md "Which encodings"). (The tables' JSON form is
    server-only, gzip alone: test_serves_server_only_asset.)"""
    a = manifest["assets"]
    ss = manifest["shardsets"]["postcodes"]
    shard = sorted(p.name for p in (project.out / ss["path"]).glob("*.json"))[0]
    both = a["locations/company_list.json"]
    assert sorted(both["encodings"]) == ["br", "gzip"]
    return [
        ("/static/prebake/" + both["path"], (project.out / both["path"]).read_bytes(), ["br", "gzip"]),
        ("/static/prebake/" + a["cmu/cmus.parquet"]["path"], (project.out / a["cmu/cmus.parquet"]["path"]).read_bytes(), []),
        (f"/static/prebake/{ss['path']}/{shard}", (project.out / ss["path"] / shard).read_bytes(), ss["encodings"]),
    ]


def test_serves_bake_test_client(project, manifest) -> None:
    from django.test import Client

    c = Client()
    for url, raw, encodings in served(project, manifest):
        r = c.get(url, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
        assert r.status_code == 200, url
        assert r["Cache-Control"] == IMMUTABLE, url
        if encodings:
            assert r["Content-Encoding"] == "br" and "Accept-Encoding" in r["Vary"]
            assert brotli.decompress(body(r)) == raw
            g = c.get(url, HTTP_ACCEPT_ENCODING="gzip")
            if "gzip" in encodings:
                assert g["Content-Encoding"] == "gzip" and gzip.decompress(body(g)) == raw
            else:  # the original, not an error
                assert "Content-Encoding" not in g and body(g) == raw
        else:
            assert "Content-Encoding" not in r and body(r) == raw
        assert body(c.get(url)) == raw  # no Accept-Encoding: the original
    # the app's own hashed file is immutable too (WhiteNoise's own rule)
    css = c.get("/static/" + json.loads((Path(os.environ["TEST_STATIC_ROOT"]) / "staticfiles.json").read_text())["paths"]["checker/css/app.css"])
    assert css.status_code == 200 and css["Cache-Control"] == IMMUTABLE
    # prebake's state is not served (.zst variants: test_django_http.py, test_only_listed_variants)
    hist = sorted((project.out / ".prebake" / "manifests").iterdir())[0].name
    assert c.get(f"/static/prebake/.prebake/manifests/{hist}").status_code == 404


def test_serves_server_only_asset(project, manifest) -> None:
    """A server-only asset (the tables' JSON, the server-side columnar files,
    the app's location files: gzip only, docs/manifest.md "Server-only assets") is served gzip to a client
    that offers br and gzip, and as it is to one that offers br alone."""
    from django.test import Client

    c = Client()
    for name in ("cmu/cmus.json", "maptiles/map_data.json", "locations/groups/search.json", "locations/location_counts.json"):
        a = manifest["assets"][name]
        assert sorted(a["encodings"]) == ["gzip"], name
        raw = (project.out / a["path"]).read_bytes()
        r = c.get("/static/prebake/" + a["path"], HTTP_ACCEPT_ENCODING="gzip, deflate, br")
        assert r.status_code == 200 and r["Content-Encoding"] == "gzip", name
        assert gzip.decompress(body(r)) == raw
        r = c.get("/static/prebake/" + a["path"], HTTP_ACCEPT_ENCODING="br")
        assert r.status_code == 200 and "Content-Encoding" not in r and body(r) == raw, name


def test_serves_bake_autorefresh(project, manifest) -> None:
    """With DEBUG (WhiteNoise's autorefresh mode: files looked up per request)
    the bake is served the same way, and .prebake/ stays hidden."""
    from django.test import override_settings

    from prebake.django.middleware import WhiteNoiseMiddleware

    with override_settings(DEBUG=True):
        mw = WhiteNoiseMiddleware(lambda request: None)
    assert mw.autorefresh
    url, raw, _ = served(project, manifest)[0]
    f = mw.find_file(url)
    assert f is not None
    resp = f.get_response("GET", {"HTTP_ACCEPT_ENCODING": "br"})
    resp.file.close()
    headers = dict(resp.headers)
    assert headers["Cache-Control"] == IMMUTABLE and headers["Content-Encoding"] == "br"
    hist = sorted((project.out / ".prebake" / "manifests").iterdir())[0].name
    assert mw.find_file(f"/static/prebake/.prebake/manifests/{hist}") is None


def test_serves_bake_gunicorn(project, manifest) -> None:
    with gunicorn_server() as port:
        for url, raw, encodings in served(project, manifest):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", url, headers={"Accept-Encoding": "br, gzip"})
            r = conn.getresponse()
            data = r.read()
            conn.close()
            assert r.status == 200, url
            assert r.getheader("Cache-Control") == IMMUTABLE
            if encodings:
                assert r.getheader("Content-Encoding") == "br"
                assert brotli.decompress(data) == raw
            else:
                assert data == raw
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", "/?outcode=WF11")
        r = conn.getresponse()
        html = r.read().decode()
        assert r.status == 200 and "/static/prebake/" + manifest["assets"]["cmu/cmus.parquet"]["path"] in html
