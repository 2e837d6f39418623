"""Approvals API routes: requests and their decisions command, signing tokens, waivers, policies, dry run."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from lifecycle.api.approvals import (
    ApprovalRequestViewSet,
    GatesDryRunView,
    RequestApprovalView,
    SigningTokenView,
)
from lifecycle.api.waivers_policies import PolicyViewSet, WaiverViewSet

router = SimpleRouter()
router.register("approval-requests", ApprovalRequestViewSet, basename="api-approval-request")
router.register("waivers", WaiverViewSet, basename="api-waiver")
router.register("policies", PolicyViewSet, basename="api-policy")

urlpatterns = [
    path("signing-tokens/", SigningTokenView.as_view(), name="api-signing-tokens"),
    path("assets/<slug:slug>/gates/", GatesDryRunView.as_view(kind="asset"), name="api-asset-gates"),
    path("versions/<int:pk>/gates/", GatesDryRunView.as_view(kind="version"), name="api-version-gates"),
    path(
        "assets/<slug:slug>/request-approval/",
        RequestApprovalView.as_view(kind="asset"),
        name="api-asset-request-approval",
    ),
    path(
        "versions/<int:pk>/request-approval/",
        RequestApprovalView.as_view(kind="version"),
        name="api-version-request-approval",
    ),
    *router.urls,
]
