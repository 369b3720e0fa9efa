from django.urls import path

from checker import views

urlpatterns = [
    path("", views.index),
    path("api/component-map-detail/<int:component_id>/", views.component_map_detail),
    path("api/company-years/<str:company_id>/<str:year>/", views.company_years),
]
