"""The storage switch on an app that ran on Django's plain storage until now
(app-integration.md, "Static files"): no staticfiles.json has ever been written,
and its minified JS names a source map it does not ship
(checker/js/index.min.js.map). With PrebakeManifestStaticFilesStorage no page
raises `Missing staticfiles manifest entry` and collectstatic does not fail;
Django's own ManifestStaticFilesStorage, on the same files, does both (the
test reproduces the app's failure first)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

PREBAKE_STORAGE = "prebake.django.storage.PrebakeManifestStaticFilesStorage"
DJANGO_STORAGE = "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"


def app_static_files(src: Path) -> None:
    """Static files shaped like the app's."""
    files = {
        "css/ios-viewport-fix.css": "html { -webkit-text-size-adjust: 100%; }\n",
        # the app's case: a minified script naming a map that is not shipped
        "checker/js/index.min.js": "var a=1;\n//# sourceMappingURL=index.min.js.map\n",
        # variants: a CSS map and an image that are missing, in CSS
        "checker/css/site.min.css": "body{background:url(../img/missing.png)}\n/*# sourceMappingURL=site.min.css.map */\n",
        # and references that exist, which must still be hashed
        "checker/js/map.min.js": "var b=2;\n//# sourceMappingURL=map.min.js.map\n",
        "checker/js/map.min.js.map": '{"version":3,"sources":[],"mappings":""}\n',
        "checker/css/logo.css": "h1{background:url(../img/logo.png)}\n",
        "checker/img/logo.png": "not really a png\n",
    }
    for name, text in files.items():
        p = src / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")


@pytest.fixture
def plain_app(django_project, tmp_path):
    """The app's static files collected as its plain storage does today (a
    copy, no staticfiles.json) into a STATIC_ROOT of their own."""
    from django.core.management import call_command
    from django.test import override_settings

    src, root = tmp_path / "static", tmp_path / "static_root"
    app_static_files(src)
    plain = {"default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
             "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    with override_settings(STATICFILES_DIRS=[str(src)], STATIC_ROOT=str(root), STORAGES=plain, DEBUG=False):
        call_command("collectstatic", "--noinput", verbosity=0)
    assert (root / "css" / "ios-viewport-fix.css").is_file() and not (root / "staticfiles.json").exists()
    return src, root


def storages(backend: str) -> dict:
    return {"default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}, "staticfiles": {"BACKEND": backend}}


def render(text: str) -> str:
    from django.template import Context, Template

    return Template("{% load static %}" + text).render(Context())


def test_djangos_manifest_storage_breaks_the_app(plain_app) -> None:
    """The failure the app saw, reproduced: every page raises, collectstatic fails."""
    from django.core.management import call_command
    from django.test import override_settings

    src, root = plain_app
    with override_settings(STATICFILES_DIRS=[str(src)], STATIC_ROOT=str(root), STORAGES=storages(DJANGO_STORAGE), DEBUG=False):
        with pytest.raises(ValueError, match="Missing staticfiles manifest entry for 'css/ios-viewport-fix.css'"):
            render("{% static 'css/ios-viewport-fix.css' %}")
        with pytest.raises(ValueError, match=r"(index\.min\.js\.map|site\.min\.css\.map|missing\.png)' could not be found"):
            call_command("collectstatic", "--noinput", verbosity=0)


def test_pages_work_before_any_collectstatic(plain_app, django_project) -> None:
    """No staticfiles.json: the app's names resolve as the plain storage did;
    the bake's names still resolve to their hashed files."""
    from django.test import override_settings

    from prebake.django import get_manifest

    src, root = plain_app
    with override_settings(STATICFILES_DIRS=[str(src)], STATIC_ROOT=str(root), STORAGES=storages(PREBAKE_STORAGE), DEBUG=False):
        assert render("{% static 'css/ios-viewport-fix.css' %}") == "/static/css/ios-viewport-fix.css"
        assert render("{% static 'checker/js/index.min.js' %}") == "/static/checker/js/index.min.js"
        assert render("{% static 'css/ios-viewport-fix.css#top' %}") == "/static/css/ios-viewport-fix.css#top"
        hashed = get_manifest().asset("cmu/cmus.json")["path"]
        assert render("{% static 'prebake/cmu/cmus.json' %}") == "/static/prebake/" + hashed


def test_collectstatic_with_missing_source_maps(plain_app, django_project, caplog) -> None:
    """collectstatic succeeds; references to missing files stay as written
    (with a warning), existing ones are hashed; afterwards pages get hashed
    names, and a name collectstatic never saw still resolves plainly."""
    from django.core.management import call_command
    from django.test import override_settings

    src, root = plain_app
    with override_settings(STATICFILES_DIRS=[str(src)], STATIC_ROOT=str(root), STORAGES=storages(PREBAKE_STORAGE), DEBUG=False):
        call_command("collectstatic", "--noinput", verbosity=0)
        paths = json.loads((root / "staticfiles.json").read_text())["paths"]
        js = (root / paths["checker/js/index.min.js"]).read_text()
        assert js.endswith("//# sourceMappingURL=index.min.js.map\n")
        css = (root / paths["checker/css/site.min.css"]).read_text()
        assert "url(../img/missing.png)" in css and "sourceMappingURL=site.min.css.map" in css
        assert "index.min.js.map" in caplog.text and "missing.png" in caplog.text
        mapped = (root / paths["checker/js/map.min.js"]).read_text()
        assert "sourceMappingURL=" + Path(paths["checker/js/map.min.js.map"]).name in mapped and Path(paths["checker/js/map.min.js.map"]).name != "map.min.js.map"
        assert Path(paths["checker/img/logo.png"]).name in (root / paths["checker/css/logo.css"]).read_text()
        hashed = render("{% static 'css/ios-viewport-fix.css' %}")
        assert hashed == "/static/" + paths["css/ios-viewport-fix.css"] and hashed != "/static/css/ios-viewport-fix.css"
        assert render("{% static 'css/added-after-collectstatic.css' %}") == "/static/css/added-after-collectstatic.css"
