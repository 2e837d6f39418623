"""Bias review API routes."""

from rest_framework.routers import SimpleRouter

from governance.bias_reviews.api.views import BiasReviewViewSet

router = SimpleRouter()
router.register("bias-reviews", BiasReviewViewSet, basename="api-bias-review")
urlpatterns = router.urls
