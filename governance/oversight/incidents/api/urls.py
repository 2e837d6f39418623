"""Incidents API routes."""

from rest_framework.routers import SimpleRouter

from governance.oversight.incidents.api.views import IncidentKindViewSet, IncidentViewSet

router = SimpleRouter()
router.register("incidents", IncidentViewSet, basename="api-incident")
router.register("incident-kinds", IncidentKindViewSet, basename="api-incident-kind")
urlpatterns = router.urls
