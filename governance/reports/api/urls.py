"""Reports API routes."""

from rest_framework.routers import SimpleRouter

from governance.reports.api.views import ReportViewSet

router = SimpleRouter()
router.register("reports", ReportViewSet, basename="api-report")
urlpatterns = router.urls
