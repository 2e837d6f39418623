"""Audit API routes."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from governance.audit.api.views import AuditEventViewSet, CheckpointListView, PublicKeyView, VerifyView

router = SimpleRouter()
router.register("audit/events", AuditEventViewSet, basename="api-audit-event")
urlpatterns = [
    *router.urls,
    path("audit/verify/", VerifyView.as_view(), name="api-audit-verify"),
    path("audit/checkpoints/", CheckpointListView.as_view(), name="api-audit-checkpoints"),
    path("audit/public-key/", PublicKeyView.as_view(), name="api-audit-public-key"),
]
