"""The app's map endpoints served from the bake: add one line to the app's
URLconf, before its own patterns, so these paths resolve here first::

    urlpatterns = [
        path("", include("prebake.django.urls")),
        ...  # the app's patterns, unchanged
    ]

Paths and parameters are the app's own (see :mod:`prebake.django.views`).

The app wraps all three views in its access check
(``checker.decorators.access_required.map_access_required``: a trial-expired
user is redirected to the payment page). Name it, or any other view decorator,
in the setting ``PREBAKE_VIEWS_DECORATORS`` (dotted paths, applied in order,
the first outermost) and these views run inside it too::

    PREBAKE_VIEWS_DECORATORS = ["checker.decorators.access_required.map_access_required"]
"""

from typing import Any, Callable

from django.conf import settings
from django.urls import path
from django.utils.module_loading import import_string

from . import views


def _wrapped(view: Callable[..., Any]) -> Callable[..., Any]:
    for dotted in reversed(list(getattr(settings, "PREBAKE_VIEWS_DECORATORS", []) or [])):
        view = import_string(dotted)(view)
    return view


urlpatterns = [
    path("api/map-data/", _wrapped(views.map_data), name="prebake_map_data"),
    path("api/component-map-detail/<int:component_id>/", _wrapped(views.component_map_detail), name="prebake_component_map_detail"),
    path("api/search-geojson/", _wrapped(views.search_geojson), name="prebake_search_geojson"),
]
