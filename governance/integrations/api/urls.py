"""Integration API routes: connections (admin), inbound registry events, the deployment gate."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from governance.integrations.api.hooks import GenericEventsView, MlflowWebhookView, SagemakerEventsView
from governance.integrations.api.views import ConnectionViewSet, GateView, MapModelView, RetryCallbackView

router = SimpleRouter()
router.register("integrations/connections", ConnectionViewSet, basename="api-connection")
# The gate and the hooks first: machines call them most, and Django tries patterns in order.
urlpatterns = [
    path("gate/", GateView.as_view(), name="api-gate"),
    path("integrations/hooks/mlflow/<uuid:key>/", MlflowWebhookView.as_view(), name="api-mlflow-webhook"),
    path(
        "integrations/hooks/sagemaker/<uuid:key>/", SagemakerEventsView.as_view(), name="api-sagemaker-events"
    ),
    path("integrations/hooks/generic/<uuid:key>/", GenericEventsView.as_view(), name="api-generic-events"),
    *router.urls,
    path(
        "integrations/connections/<int:pk>/models/<int:model_pk>/map/",
        MapModelView.as_view(),
        name="api-connection-map-model",
    ),
    path(
        "integrations/connections/<int:pk>/outbox/<int:message_pk>/retry/",
        RetryCallbackView.as_view(),
        name="api-connection-retry-callback",
    ),
]
