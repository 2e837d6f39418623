"""Documentation API routes."""

from rest_framework.routers import SimpleRouter

from governance.model_cards.api.views import DocumentViewSet, TemplateViewSet

router = SimpleRouter()
router.register("document-templates", TemplateViewSet, basename="api-document-template")
router.register("documents", DocumentViewSet, basename="api-document")
urlpatterns = router.urls
