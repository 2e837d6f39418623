"""Lifecycle API routes, nested under the inventory resources they act on."""

from django.urls import path

from lifecycle.api.approval_urls import urlpatterns as approval_urlpatterns
from lifecycle.api.views import AvailableTransitionsView, StageAtView, TransitionsView

urlpatterns = [
    path(
        "assets/<slug:slug>/transitions/", TransitionsView.as_view(kind="asset"), name="api-asset-transitions"
    ),
    path(
        "assets/<slug:slug>/transitions/available/",
        AvailableTransitionsView.as_view(kind="asset"),
        name="api-asset-available-transitions",
    ),
    path("assets/<slug:slug>/stage-at/", StageAtView.as_view(kind="asset"), name="api-asset-stage-at"),
    path(
        "versions/<int:pk>/transitions/",
        TransitionsView.as_view(kind="version"),
        name="api-version-transitions",
    ),
    path(
        "versions/<int:pk>/transitions/available/",
        AvailableTransitionsView.as_view(kind="version"),
        name="api-version-available-transitions",
    ),
    path("versions/<int:pk>/stage-at/", StageAtView.as_view(kind="version"), name="api-version-stage-at"),
]
urlpatterns += approval_urlpatterns  # type: ignore[arg-type]  # approvals: requests, decisions, waivers, policies, dry run
