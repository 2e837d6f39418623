"""Read side of incidents: the filters shared by the incidents page and the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from governance.oversight.models.incidents import ACTIVE_INCIDENT_STATUSES, Incident


def filter_incidents(
    qs: QuerySet[Incident], now: dt.datetime | None = None, **wanted: Any
) -> QuerySet[Incident]:
    """Apply the list filters that are set (status, kind, severity, asset, version, active, overdue)."""
    now = now or timezone.now()
    if wanted.get("status"):
        qs = qs.filter(status=wanted["status"])
    if wanted.get("kind"):
        qs = qs.filter(kind__slug=wanted["kind"])
    if wanted.get("severity"):
        qs = qs.filter(severity=wanted["severity"])
    if wanted.get("asset"):
        qs = qs.filter(asset__slug=wanted["asset"])
    if wanted.get("version"):
        qs = qs.filter(version_id=wanted["version"])
    if wanted.get("active") is True:
        qs = qs.filter(status__in=ACTIVE_INCIDENT_STATUSES)
    elif wanted.get("active") is False:
        qs = qs.exclude(status__in=ACTIVE_INCIDENT_STATUSES)
    if wanted.get("pending") is True:
        qs = qs.report_pending().filter(report_due_at__gte=now)  # type: ignore[attr-defined]
    if wanted.get("overdue") is True:
        qs = qs.overdue(now)  # type: ignore[attr-defined]
    elif wanted.get("overdue") is False:
        qs = qs.exclude(pk__in=Incident.objects.overdue(now).values("pk"))
    return qs


def with_related(qs: QuerySet[Incident]) -> QuerySet[Incident]:
    """What incident lists and pages show, in a fixed number of queries."""
    return qs.select_related("asset", "version", "kind", "metric").prefetch_related("findings")
