"""URL wiring only: each app owns its UI urls (`<app>/urls.py`) and its API urls (`<app>/api/urls.py`)."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

urlpatterns = [
    # The API first: the web app's routes sit at the root, and Django tries every one of them before
    # a later prefix.
    path("api/", include("governance.api.urls")),
    path("", include("governance.web.urls")),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include("governance.accounts.urls")),
    path("inventory/", include("governance.inventory.urls")),
    path("lifecycle/", include("lifecycle.urls")),
    path("documents/", include("governance.model_cards.urls")),
    path("evidence/", include("governance.evidence.urls")),
    path("bias-reviews/", include("governance.bias_reviews.urls")),
    path("oversight/", include("governance.oversight.urls")),
    path("audit/", include("governance.audit.urls")),
    path("reports/", include("governance.reports.urls")),
    path("integrations/", include("governance.integrations.urls")),
    path("admin/", admin.site.urls),
]
