"""Inventory API routes."""

from rest_framework.routers import SimpleRouter

from governance.inventory.api.views import AssetViewSet, VersionViewSet

router = SimpleRouter()
router.register("assets", AssetViewSet, basename="api-asset")
router.register("versions", VersionViewSet, basename="api-version")
urlpatterns = router.urls
