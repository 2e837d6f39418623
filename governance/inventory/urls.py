"""UI routes of the inventory app. Assets live under assets/ so no slug can shadow new/ or export.csv."""

from django.urls import path

from governance.inventory import views

app_name = "inventory"
urlpatterns = [
    path("", views.asset_list, name="list"),
    path("export.csv", views.asset_export, name="export"),
    path("new/", views.asset_create, name="asset_create"),
    path("assets/<slug:slug>/", views.asset_detail, name="asset"),
    path("assets/<slug:slug>/edit/", views.asset_edit, name="asset_edit"),
    path("assets/<slug:slug>/versions/new/", views.version_create, name="version_create"),
    path("assets/<slug:slug>/versions/<int:pk>/", views.version_detail, name="version"),
    path("assets/<slug:slug>/versions/<int:pk>/edit/", views.version_edit, name="version_edit"),
]
