"""Oversight API routes: the findings register (monitoring and incidents have their own modules)."""

from rest_framework.routers import SimpleRouter

from governance.oversight.api.findings import FindingViewSet

router = SimpleRouter()
router.register("findings", FindingViewSet, basename="api-finding")
urlpatterns = router.urls
