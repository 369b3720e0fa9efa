"""python/docs/migration.md, done as the guide says on an app-shaped project:
step 0 (python/docs/post_compile.sh, run as is) on a repository holding only
json_data/components_*.json and an OS-format Code-Point Open archive served
from a file:// URL; the settings block read from the guide and appended to a
settings.py shaped like the app's (its CACHES, MIDDLEWARE, STATIC_ROOT,
STATICFILES_DIRS and the ignored STATICFILES_STORAGE line); then
`manage.py check`, `collectstatic` and a session of pages against a real
redis-server, which afterwards holds none of the replaced families."""

from __future__ import annotations

import csv
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from cachetest import ROOT, RedisServer, realbake  # noqa: F401  (realbake: a fixture)
from conftest import shared_path

GUIDE = ROOT / "python" / "docs" / "migration.md"
SCRIPT = ROOT / "python" / "docs" / "post_compile.sh"


def guide_block(marker: str) -> str:
    """The fenced code block after `<!-- guide:<marker> -->` in the guide."""
    text = GUIDE.read_text(encoding="utf-8")
    m = re.search(r"<!-- guide:" + re.escape(marker) + r" -->\n```\w*\n(.*?)```", text, re.S)
    assert m, f"migration.md has no block marked guide:{marker}"
    return m.group(1)


def codepoint_archive(dest: Path) -> None:
    """A Code-Point Open archive in OS's layout (Data/CSV/<area>.csv, no header,
    7-character postcodes, 10 columns) of the GB postcode table in ../shared."""
    by_area: dict[str, list[str]] = {}
    with gzip.open(shared_path("data/postcodes/postcodes-en.csv.gz"), "rt", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            out, inward = row["postcode"].split()
            area = re.match(r"[A-Z]+", out).group(0).lower()
            by_area.setdefault(area, []).append(f'"{out.ljust(4)}{inward}",{row["pq"]},{row["easting"]},{row["northing"]},"{row["country"]}","","","","",""\n')
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr("Doc/licence.txt", "Contains OS data (c) Crown copyright and database right\n")
        for area, lines in sorted(by_area.items()):
            z.writestr(f"Data/CSV/{area}.csv", "".join(lines))


APP_SETTINGS = '''\
# The app's settings.py, as far as the guide touches it (daveyboyc/cm-search capacity_checker/settings.py).
import os
from pathlib import Path
BASE_DIR = Path(__file__).resolve().parent
SECRET_KEY = "test"
DEBUG = False
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.staticfiles",
    "checker",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.gzip.GZipMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
]
ROOT_URLCONF = "capacity_checker.urls"
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True}]
DATABASES = {}
SESSION_ENGINE = "django.contrib.sessions.backends.cache"
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR.parent / "static"]
STATICFILES_STORAGE = "whitenoise.storage.CompressedManifestStaticFilesStorage"
redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": os.environ["APP_CACHE_BACKEND"],
        "LOCATION": redis_url,
        "TIMEOUT": 3600,
    }
}
'''

CHECKER_VIEWS = '''\
"""The app's cache calls (checker/services/data_access.py get_cmu_dataframe,
views_lists_optimized.py, filter_options.py, fetch_components_for_cmu_id,
map_data_api), restated; no database: a miss answers 503."""
import base64, hashlib, json, pickle
from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render


def company(request, company_id):
    serialized = cache.get("cmu_dataframe_v1")
    if serialized is None:
        return HttpResponse("would rebuild from the database", status=503)
    df = pickle.loads(base64.b64decode(serialized))
    rows = df[(df["Normalized Full Name"] == company_id) & (df["Delivery Year"].str.strip() == "2024")]
    mapping = cache.get("cmu_to_company_mapping", {})
    return JsonResponse({"cmu_ids": sorted(rows["CMU ID"].unique().tolist()), "names": sorted({mapping.get(c, "") for c in rows["CMU ID"]})})


def companies(request):
    key = "company_list_%s_%s" % (request.GET.get("sort_by", "capacity"), request.GET.get("sort_order", "desc"))
    cached = cache.get(key)
    if not cached:
        return HttpResponse("would query the database", status=503)
    return render(request, "checker/list.html", {"n": len(json.loads(cached))})


def search(request):
    q = request.GET.get("q", "")
    key = "components_for_cmu_p1_s100_sortdesc:" + hashlib.md5(q.encode()).hexdigest()
    if cache.get(key) is None:
        cache.set(key, [{"q": q, "n": i} for i in range(10)], 3600)
    options = cache.get("filter:complete_options:v2")
    request.session["last_q"] = q
    return JsonResponse({"results": len(cache.get(key)), "technologies": len(options["technologies"])})


def map_data(request):
    key = "map_data_" + hashlib.md5(request.GET.urlencode().encode()).hexdigest()
    if cache.get(key) is None:
        cache.set(key, json.dumps({"type": "FeatureCollection", "features": []}), 3600)
    cache.set("tech_map_Wind", ["Onshore Wind", "Offshore Wind"], 3600)
    return HttpResponse(cache.get(key), content_type="application/json")
'''


@pytest.fixture(scope="module")
def app(tmp_path_factory, realbake, prebake_bin):
    """The app's repository after step 0, twice (the second run reuses the
    cached postcode table)."""
    tmp = tmp_path_factory.mktemp("guide")
    repo, cache = tmp / "cm-search", tmp / "build-cache"
    (repo / "json_data").mkdir(parents=True)
    for p in sorted(shared_path("data/register").glob("components_*.json")):
        shutil.copy(p, repo / "json_data" / p.name)
    codepoint_archive(tmp / "codepo_gb.zip")
    env = {**os.environ, "BUILD_DIR": str(repo), "CACHE_DIR": str(cache), "PREBAKE_BIN": str(prebake_bin),
           "PREBAKE_POSTCODES_URL": (tmp / "codepo_gb.zip").as_uri(), "SOURCE_DATE_EPOCH": "1767225600"}
    first = subprocess.run(["bash", str(SCRIPT)], cwd=repo, env=env, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    # The next build: the table comes from the cache (the URL now fails).
    again = subprocess.run(["bash", str(SCRIPT)], cwd=repo, env={**env, "PREBAKE_POSTCODES_URL": (tmp / "gone.zip").as_uri()},
                           capture_output=True, text=True)
    return {"repo": repo, "cache": cache, "env": env, "first": first, "again": again, "tmp": tmp}


def test_step0_bakes_the_apps_repository(app, realbake) -> None:
    repo = app["repo"]
    assert "postcode table fetched" in app["first"].stdout
    assert app["again"].returncode == 0, app["again"].stderr
    assert "postcode table" not in app["again"].stdout
    assert (app["cache"] / "codepo_gb.csv.gz").stat().st_size > 10_000_000
    m = json.loads((repo / "prebake_output" / "manifest.json").read_text())
    want = json.loads((realbake / "manifest.json").read_text())
    # What the cache backend serves is the same as the shared real bake's
    # (which also read the CMU register rows and the same postcodes).
    for name in ("cmu/cmus.json", "cmu/cmu_to_company.json", "locations/company_list.json", "locations/technology_list.json",
                 "locations/filter_options.json"):
        assert m["assets"][name]["sha256"] == want["assets"][name]["sha256"], name


def test_step0_refreshes_an_old_table(app) -> None:
    table = app["cache"] / "codepo_gb.csv.gz"
    old = table.stat().st_mtime - 100 * 86400
    os.utime(table, (old, old))
    p = subprocess.run(["bash", str(SCRIPT)], cwd=app["repo"], env=app["env"], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert "postcode table refreshed" in p.stdout and table.stat().st_mtime > old + 86400
    os.utime(table, (old, old))
    p = subprocess.run(["bash", str(SCRIPT)], cwd=app["repo"], env={**app["env"], "PREBAKE_POSTCODES_URL": (app["tmp"] / "gone.zip").as_uri()},
                       capture_output=True, text=True)
    # a failed refresh warns and keeps the old table, whole
    assert p.returncode == 0, p.stderr
    assert "could not refresh the postcode table" in p.stderr and table.stat().st_mtime == old
    assert not list(app["cache"].glob(".codepo.*"))  # no temporary directory left
    # with no table at all, a failed download fails the build
    empty = app["tmp"] / "empty-cache"
    p = subprocess.run(["bash", str(SCRIPT)], cwd=app["repo"], env={**app["env"], "CACHE_DIR": str(empty), "PREBAKE_POSTCODES_URL": (app["tmp"] / "gone.zip").as_uri()},
                       capture_output=True, text=True)
    assert p.returncode != 0 and not (empty / "codepo_gb.csv.gz").exists()


@pytest.mark.parametrize("backend", ["django.core.cache.backends.redis.RedisCache", "django_redis.cache.RedisCache"])
def test_settings_and_session(app, tmp_path, backend) -> None:
    """Steps 1 to 3 on the app's shape: checks pass, collectstatic passes (a
    minified script naming a missing map), every page renders, and Redis holds
    only what passes through (the session)."""
    repo = tmp_path / "cm-search"
    shutil.copytree(app["repo"] / "prebake_output", repo / "prebake_output")
    (repo / "capacity_checker").mkdir()
    (repo / "capacity_checker" / "__init__.py").write_text("")
    (repo / "capacity_checker" / "settings.py").write_text(APP_SETTINGS + "\n" + guide_block("settings"))
    urls = ["from django.urls import include, path", "from checker import views",
            "urlpatterns = [path('company/<str:company_id>/', views.company), path('companies/', views.companies),",
            "               path('search/', views.search), path('api/map-data/', views.map_data)]"]
    # The guide's URLconf line goes in as the guide says, after the app's own.
    urls.append(guide_block("urls").strip())
    assert guide_block("urls").strip() == 'urlpatterns = [path("", include("prebake.django.urls"))] + urlpatterns'
    (repo / "capacity_checker" / "urls.py").write_text("\n".join(urls) + "\n")
    (repo / "checker" / "templates" / "checker").mkdir(parents=True)
    (repo / "checker" / "__init__.py").write_text("")
    (repo / "checker" / "views.py").write_text(CHECKER_VIEWS)
    (repo / "checker" / "templates" / "checker" / "list.html").write_text(
        "{% load static %}<link href=\"{% static 'css/ios-viewport-fix.css' %}\"><script src=\"{% static 'checker/js/index.min.js' %}\"></script>{{ n }}")
    (repo / "static" / "css").mkdir(parents=True)
    (repo / "static" / "css" / "ios-viewport-fix.css").write_text("html{-webkit-text-size-adjust:100%}\n")
    (repo / "static" / "checker" / "js").mkdir(parents=True)
    (repo / "static" / "checker" / "js" / "index.min.js").write_text("var a=1;\n//# sourceMappingURL=index.min.js.map\n")
    (repo / "manage.py").write_text("import os, sys\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'capacity_checker.settings')\n"
                                    "from django.core.management import execute_from_command_line\nexecute_from_command_line(sys.argv)\n")
    redis = RedisServer(tmp_path)
    try:
        env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT / "python" / "src"), "REDIS_URL": redis.url, "APP_CACHE_BACKEND": backend}

        def run(*args: str) -> subprocess.CompletedProcess:
            return subprocess.run([sys.executable, *args], cwd=repo, env=env, capture_output=True, text=True)

        page_script = (
            "import django, json; django.setup()\n"
            "from django.test import Client\n"
            "c = Client()\n"
            "out = {}\n"
            "for url in ['/companies/', '/companies/?sort_by=name&sort_order=asc', '/company/enelxuklimited/', '/search/?q=battery', '/api/map-data/?technology=Wind']:\n"
            "    r = c.get(url)\n"
            "    out[url] = [r.status_code, r.content.decode()]\n"
            "print(json.dumps(out))\n"
        )
        before = run("-c", "import os; os.environ['DJANGO_SETTINGS_MODULE'] = 'capacity_checker.settings'\n" + page_script)
        assert before.returncode == 0, before.stderr  # pages work before any collectstatic
        for url, (status, body) in json.loads(before.stdout).items():
            assert status == 200, (url, status, body)
        assert "/static/css/ios-viewport-fix.css" in json.loads(before.stdout)["/companies/"][1]
        check = run("manage.py", "check")
        assert check.returncode == 0, check.stderr
        collect = run("manage.py", "collectstatic", "--noinput")
        assert collect.returncode == 0, collect.stderr
        pages = run("-c", "import os; os.environ['DJANGO_SETTINGS_MODULE'] = 'capacity_checker.settings'\n" + page_script)
        assert pages.returncode == 0, pages.stderr
        got = json.loads(pages.stdout)
        for url, (status, body) in got.items():
            assert status == 200, (url, status, body)
        staticfiles = json.loads((repo / "capacity_checker" / "staticfiles" / "staticfiles.json").read_text())["paths"]
        assert "/static/" + staticfiles["css/ios-viewport-fix.css"] in got["/companies/"][1]
        assert json.loads(got["/company/enelxuklimited/"][1])["cmu_ids"]
        bodies = sorted(k.decode() for k in redis.keys())
        # one session per run of the page script, nothing else
        assert len(bodies) == 2 and all(b.startswith(":1:django.contrib.sessions.cache") for b in bodies), bodies
    finally:
        redis.stop()
