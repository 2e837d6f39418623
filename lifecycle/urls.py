"""UI routes of the lifecycle app."""

from django.urls import path

from lifecycle import views
from lifecycle.ui.urls import urlpatterns as approvals_urlpatterns

app_name = "lifecycle"
urlpatterns = [
    # kind is "asset" or "version"; pk is the object's id.
    path("transition/<str:kind>/<int:pk>/", views.transition_view, name="transition"),
]
urlpatterns += approvals_urlpatterns  # inbox, approvals, waivers, policies (lifecycle/ui)
