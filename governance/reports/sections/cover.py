"""Cover: what the report covers, who asked, when, and which chain state it is anchored to."""

from __future__ import annotations

from typing import Any

import governance
from governance.reports.scopes import ReportContext
from governance.reports.sections.base import Section, register


def gather(ctx: ReportContext) -> dict[str, Any]:
    report = ctx.report
    checkpoint = ctx.cache["checkpoint"]
    return {
        "report_id": str(report.pk),
        "title": report.title,
        "scope": report.scope,
        "scope_label": report.get_scope_display(),
        "events_from": report.events_from,
        "events_until": report.events_until,
        "as_of": report.as_of,
        "requested_by": report.requested_by_name,
        "requested_via": report.requested_via,
        "requested_at": report.requested_at,
        "generated_at": ctx.generated_at,
        "steward_version": governance.__version__,
        "chain_id": checkpoint["chain_id"],
        "chain_head": checkpoint["head"],
        "chain_size": checkpoint["size"],
        "sees_everything": ctx.viewer.sees_everything,
    }


register(Section("cover", "Cover", "reports/pdf/sections/cover.html", 0, gather, in_toc=False))
