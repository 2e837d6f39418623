"""Findings on the scope's asset and versions, with their status at the report's moment."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from governance.audit.event_types import AuditAction
from governance.audit.models import AuditEvent
from governance.oversight.models import Finding, FindingStatus
from governance.reports.scopes import ReportContext
from governance.reports.sections.base import OBJECT_SCOPES, Section, register

SEVERITY_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3}


def findings_in_scope(ctx: ReportContext) -> QuerySet[Finding]:
    qs = Finding.objects.filter(asset__in=ctx.assets(), created_at__lte=ctx.moment)
    if ctx.version is not None:
        qs = qs.filter(version=ctx.version)
    return qs.select_related("version", "owner")


def _status_from(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("status")
    return value if value in FindingStatus.values else None


def statuses_as_of(ctx: ReportContext, findings: list[Finding]) -> dict[int, str]:
    """Each finding's status at an "as of" moment: undo later status changes from their events."""
    if ctx.as_of is None or not findings:
        return {}
    statuses = {f.pk: f.status for f in findings}
    later = AuditEvent.objects.filter(
        object_type="oversight.finding",
        object_id__in=[str(pk) for pk in statuses],
        action=AuditAction.FINDING_STATUS_CHANGED,
        time__gt=ctx.as_of,
    ).order_by("-seq")
    for event in later:
        old = _status_from((event.payload or {}).get("old"))
        if old is not None:
            statuses[int(event.object_id)] = old
    return statuses


def gather(ctx: ReportContext) -> dict[str, Any] | None:
    if ctx.asset is None:
        return None
    findings = list(findings_in_scope(ctx))
    ctx.relate("oversight.finding", [f.pk for f in findings])
    statuses = statuses_as_of(ctx, findings)
    ctx.cache["finding_status_as_of"] = statuses
    rows = [
        {
            "id": f.pk,
            "title": f.title,
            "description": f.description,
            "severity": f.severity,
            "status": statuses.get(f.pk, f.status),
            "source": f.get_source_display(),
            "version": f.version.label if f.version else None,
            "owner": str(f.owner) if f.owner else None,
            "due_date": f.due_date,
            "raised_by": f.raised_by_name,
            "raised_at": f.created_at,
            "risk_accepted_until": f.risk_accepted_until,
        }
        for f in findings
    ]
    rows.sort(key=lambda r: (SEVERITY_ORDER.get(str(r["severity"]), 9), str(r["raised_at"])))
    return {"rows": rows}


register(Section("findings", "Findings", "reports/pdf/sections/findings.html", 80, gather, OBJECT_SCOPES))
