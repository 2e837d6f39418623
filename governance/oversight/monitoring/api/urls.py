"""Monitoring API routes: plans and observations nested under versions, and the ingest endpoint."""

from django.urls import path

from governance.oversight.monitoring.api.views import (
    MonitoringPlanView,
    ObservationIngestView,
    ObservationListView,
)

urlpatterns = [
    path("versions/<int:pk>/monitoring-plan/", MonitoringPlanView.as_view(), name="api-monitoring-plan"),
    path("versions/<int:pk>/observations/", ObservationListView.as_view(), name="api-version-observations"),
    path("observations/", ObservationIngestView.as_view(), name="api-observations-ingest"),
]
