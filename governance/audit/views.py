"""The audit-trail page: filtered events the viewer may see, CSV export, chain verification, public key.

Visibility is lifecycle.queries.events_visible_to (the API uses the same): compliance and admin see
every event; others see events about objects they may see, and their own actions.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from governance.accounts.models import User
from governance.accounts.roles import Role
from governance.audit import keys
from governance.audit.actors import Actor
from governance.audit.forms import COMMON_OBJECT_TYPES, EventFilterForm
from governance.audit.models import AuditEvent
from governance.audit.queries import filter_events, latest_checkpoints, latest_verification
from governance.audit.services import run_verification
from governance.web.object_links import object_urls
from governance.web.spreadsheets import csv_response
from governance.web.tables import paginate
from lifecycle.queries import events_visible_to

CSV_HEADER = [
    "seq",
    "time",
    "action",
    "actor_kind",
    "actor_id",
    "actor_name",
    "object_type",
    "object_id",
    "object_repr",
    "request_id",
    "payload",
    "leaf",
    "link",
    "chain_id",
]


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _may_verify(user: User) -> bool:
    return user.has_role(Role.COMPLIANCE, Role.ADMIN)


def _visible_events(request: HttpRequest, form: EventFilterForm) -> QuerySet[AuditEvent]:
    """Events matching the filters, intersected with what the viewer may see, newest first."""
    return (filter_events(**form.filters()) & events_visible_to(_user(request))).order_by("-seq")


def _verification_context() -> dict[str, Any]:
    try:
        fingerprint = keys.fingerprint_display()
    except keys.SigningKeyError:
        fingerprint = ""
    return {
        "verification": latest_verification(),
        "checkpoints": list(latest_checkpoints(5)),
        "fingerprint": fingerprint,
    }


@login_required
def events(request: HttpRequest) -> HttpResponse:
    """The audit trail, newest first, 50 a page, in a constant number of queries.

    Invalid filters answer 400 with the errors next to their fields and no rows. An htmx request from
    the filter form or a page link gets just the results fragment.
    """
    form = EventFilterForm(request.GET or None)
    status = 400 if form.is_bound and not form.is_valid() else 200
    queryset = _visible_events(request, form) if status == 200 else AuditEvent.objects.none()
    page = paginate(request, queryset)
    rows = list(page.object_list)
    links = object_urls(_user(request), ((event.object_type, event.object_id) for event in rows))
    context = {
        "form": form,
        "page": page,
        "rows": [
            {"event": event, "url": links.get((event.object_type or "", event.object_id or ""))}
            for event in rows
        ],
        "object_types": COMMON_OBJECT_TYPES,
        "filtered": form.is_bound and any(form.filters().values()),
        "may_verify": _may_verify(_user(request)),
        **_verification_context(),
    }
    template = "audit/events.html"
    if request.htmx and request.htmx.target == "results":  # type: ignore[attr-defined]
        template += "#results"
    return render(request, template, context, status=status)


@login_required
def events_export(request: HttpRequest) -> HttpResponseBase:
    """The filtered, visible events as a streaming, formula-safe CSV, capped at STEWARD_AUDIT_CSV_MAX_ROWS.

    When more events match, the response says so in the X-Steward-Rows-Capped header.
    """
    form = EventFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return HttpResponse(
            "Invalid filters: " + form.errors.as_text(), status=400, content_type="text/plain"
        )
    cap: int = settings.STEWARD_AUDIT_CSV_MAX_ROWS
    queryset = _visible_events(request, form)
    extra_headers = {"X-Steward-Rows-Capped": str(cap)} if queryset[cap : cap + 1].exists() else {}
    rows = (
        [
            e.seq,
            e.time,
            e.action,
            e.actor_kind,
            e.actor_id,
            e.actor_name,
            e.object_type,
            e.object_id,
            e.object_repr,
            e.request_id,
            e.payload,
            e.leaf_hex,
            e.link_hex,
            e.chain_id,
        ]
        for e in queryset[:cap].iterator(chunk_size=2000)
    )
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    return csv_response(f"steward-audit-events-{stamp}.csv", CSV_HEADER, rows, headers=extra_headers)


@login_required
@require_POST
def verify(request: HttpRequest) -> HttpResponse:
    """Verify the whole chain and its checkpoints now (compliance and admin; 403 for others)."""
    if not _may_verify(_user(request)):
        raise PermissionDenied("Only compliance officers and administrators run a verification.")
    report, _ = run_verification(actor=Actor.from_request(request))
    if report.ok:
        messages.success(request, f"The audit chain is intact: {report.size} events verified.")
    else:
        messages.error(request, f"The audit chain failed verification: {report.problem}")
    return redirect("audit:events")


@login_required
def public_key(request: HttpRequest) -> HttpResponse:
    """The Ed25519 public key that signs checkpoints, as a PEM file for offline verification."""
    response = HttpResponse(keys.public_key_pem(), content_type="application/x-pem-file")
    response["Content-Disposition"] = 'attachment; filename="steward-checkpoint-public-key.pem"'
    return response
