"""Audit events in scope: a table of the first rows (the cap), the rest in the attachments.

The rows come from the bundle builder, which streams the scope's events once for the proofs, the
JSON bundle and the CSV; this section only shapes what the table shows.
"""

from __future__ import annotations

from typing import Any

from governance.reports.scopes import ReportContext
from governance.reports.sections.base import Section, register


def gather(ctx: ReportContext) -> dict[str, Any]:
    events = ctx.cache["events"]
    return {
        "total": events["total"],
        "shown": len(events["rows"]),
        "cap": ctx.row_cap,
        "more": events["total"] - len(events["rows"]),
        "rows": events["rows"],
    }


register(Section("events", "Audit events", "reports/pdf/sections/events.html", 90, gather))
