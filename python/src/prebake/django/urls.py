"""The app's map endpoints served from the bake: add one line to the app's
URLconf, before its own patterns, so these paths resolve here first::

    urlpatterns = [
        path("", include("prebake.django.urls")),
        ...  # the app's patterns, unchanged
    ]

Paths and parameters are the app's own (see :mod:`prebake.django.views`).
"""

from django.urls import path

from . import views

urlpatterns = [
    path("api/map-data/", views.map_data, name="prebake_map_data"),
    path("api/component-map-detail/<int:component_id>/", views.component_map_detail, name="prebake_component_map_detail"),
    path("api/search-geojson/", views.search_geojson, name="prebake_search_geojson"),
]
