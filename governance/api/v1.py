"""Routes of /api/v1/, gathered from each app's api/urls.py."""

from django.urls import include, path

urlpatterns = [
    path("", include("governance.accounts.api.urls")),
    path("", include("governance.inventory.api.urls")),
    path("", include("lifecycle.api.urls")),
    path("", include("governance.oversight.api.urls")),
    path("", include("governance.audit.api.urls")),
    path("", include("governance.model_cards.api.urls")),
    path("", include("governance.evidence.api.urls")),
    path("", include("governance.bias_reviews.api.urls")),
    path("", include("governance.integrations.api.urls")),
    path("", include("governance.reports.api.urls")),
    path("", include("governance.oversight.monitoring.api.urls")),
    path("", include("governance.oversight.incidents.api.urls")),
]
