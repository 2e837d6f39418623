"""Lifecycle timeline: every stage change of the asset and its versions up to the report's moment."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from governance.reports.scopes import ReportContext
from governance.reports.sections.base import OBJECT_SCOPES, Section, register
from lifecycle.models import StageTransition
from lifecycle.stages import ASSET


def gather(ctx: ReportContext) -> dict[str, Any] | None:
    if ctx.asset is None:
        return None
    rule = Q(version__in=ctx.versions())
    if ctx.version is None:
        rule |= Q(asset=ctx.asset, kind=ASSET)
    steps = (
        StageTransition.objects.filter(rule, at__lte=ctx.moment)
        .select_related("version")
        .order_by("at", "id")
    )
    return {
        "rows": [
            {
                "at": step.at,
                "object": f"version {step.version.label}" if step.version else "asset",
                "source": step.source,
                "target": step.target,
                "actor": step.actor_name,
                "actor_kind": step.actor_kind,
                "reason": step.reason,
            }
            for step in steps
        ]
    }


register(
    Section("timeline", "Lifecycle timeline", "reports/pdf/sections/timeline.html", 20, gather, OBJECT_SCOPES)
)
