"""Routes of the approvals UI, included into lifecycle/urls.py (namespace "lifecycle")."""

from django.urls import path

from lifecycle.ui import approvals, inbox, policies, waivers

urlpatterns = [
    path("inbox/", inbox.inbox, name="inbox"),
    path("approvals/", approvals.request_list, name="approvals"),
    path("approvals/<int:pk>/", approvals.request_detail, name="request"),
    path("approvals/request-again/<str:kind>/<int:pk>/", approvals.reopen, name="reopen"),
    path("waivers/", waivers.waiver_list, name="waivers"),
    path("waivers/<int:pk>/", waivers.waiver_detail, name="waiver"),
    path("waivers/new/<str:kind>/<int:pk>/", waivers.waiver_create, name="waiver_create"),
    path("policies/", policies.policy_list, name="policies"),
    path("policies/new/", policies.policy_edit, name="policy_create"),
    path("policies/<slug:key>/", policies.policy_detail, name="policy"),
    path("policies/<slug:key>/edit/", policies.policy_edit, name="policy_edit"),
]
