"""Routes of the incident pages (included by governance/oversight/urls.py, namespace "oversight")."""

from django.urls import path

from governance.oversight.incidents import views

urlpatterns = [
    path("incidents/", views.incident_list, name="incidents"),
    path("incidents/<int:pk>/", views.incident_detail, name="incident"),
    path("incidents/new/<str:kind>/<int:pk>/", views.incident_create, name="incident_create"),
    path("incidents/<int:pk>/files/<int:file_pk>/", views.incident_file, name="incident_file"),
    path("incidents/kinds/", views.kind_list, name="incident_kinds"),
    path("incidents/kinds/new/", views.kind_edit, name="incident_kind_create"),
    path("incidents/kinds/<slug:slug>/", views.kind_edit, name="incident_kind"),
]
