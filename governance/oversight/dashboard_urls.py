"""Routes of the governance dashboard (included by governance/oversight/urls.py, namespace "oversight")."""

from django.urls import path

from governance.oversight import dashboard_views

urlpatterns = [
    path("dashboard/", dashboard_views.dashboard, name="dashboard"),
    path("dashboard/versions/", dashboard_views.dashboard_versions, name="dashboard_versions"),
    path("dashboard/assets/", dashboard_views.dashboard_assets, name="dashboard_assets"),
]
