from django.urls import include, path

from checker import views

urlpatterns = [
    path("", include("prebake.django.urls")),  # the app's one added line (python/docs/migration.md)
    path("", views.index),
    path("api/component-map-detail/<int:component_id>/", views.component_map_detail),
    path("api/company-years/<str:company_id>/<str:year>/", views.company_years),
]
