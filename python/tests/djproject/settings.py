"""A minimal project shaped like the app's (cm-search): Django 5.1 settings with
STORAGES, WhiteNoise middleware, a `checker` app with templates; no database and
no Redis. Paths come from the environment the test session sets."""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = "prebake-tests-only"
DEBUG = os.environ.get("TEST_DEBUG") == "1"
ALLOWED_HOSTS = ["*"]

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.staticfiles",
    "prebake.django",
    "checker",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "prebake.django.middleware.WhiteNoiseMiddleware",
    "django.middleware.common.CommonMiddleware",
]

ROOT_URLCONF = "djproject.urls"
WSGI_APPLICATION = "djproject.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]

DATABASES = {}

STATIC_URL = "/static/"
STATIC_ROOT = os.environ["TEST_STATIC_ROOT"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "prebake.django.storage.PrebakeManifestStaticFilesStorage"},
}

PREBAKE_MANIFEST = os.environ["PREBAKE_MANIFEST"]
PREBAKE_OUT_DIR = os.environ.get("PREBAKE_OUT_DIR")

USE_TZ = True
