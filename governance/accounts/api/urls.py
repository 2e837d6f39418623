"""Account API routes."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from governance.accounts.api.views import MeView, TeamViewSet, TokenViewSet

router = SimpleRouter()
router.register("teams", TeamViewSet, basename="api-team")
router.register("tokens", TokenViewSet, basename="api-token")
urlpatterns = [path("me/", MeView.as_view(), name="api-me"), *router.urls]
