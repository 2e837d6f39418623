"""Routes of the monitoring pages (included by governance/oversight/urls.py, namespace "oversight")."""

from django.urls import path

from governance.oversight.monitoring import views

urlpatterns = [
    path("monitoring/versions/<int:pk>/", views.version_monitoring, name="monitoring"),
    path("monitoring/versions/<int:pk>/plan/", views.plan_edit, name="monitoring_plan"),
]
