"""Verification: the chain's verification at render time, the signed checkpoint the proofs are
against, the report certificate's enrolment, and how to check all of it offline."""

from __future__ import annotations

from typing import Any

from governance.reports.scopes import ReportContext
from governance.reports.sections.base import Section, register


def gather(ctx: ReportContext) -> dict[str, Any]:
    return {
        "chain": ctx.cache["chain"],
        "checkpoint": ctx.cache["checkpoint_signed"],
        "checkpoint_key": ctx.cache["checkpoint_key"],
        "certificate": ctx.cache["certificate"],
    }


register(Section("verification", "Verification", "reports/pdf/sections/verification.html", 100, gather))
