"""The report's sections: one small module each, registered in order.

A section gathers its facts for a scope (JSON values — they go into the bundle exactly as shown)
and names a template partial under templates/reports/pdf/sections/. Apps whose records join the
report later add a module here and one line to SECTION_MODULES.
"""

from __future__ import annotations

from importlib import import_module

from governance.reports.sections.base import SECTIONS, Section, register

SECTION_MODULES = (
    "cover",
    "summary",
    "inventory",
    "timeline",
    "approvals",
    "documents",
    "evidence",
    "bias",
    "findings",
    "events",
    "verification",
)


def load_sections() -> dict[str, Section]:
    for name in SECTION_MODULES:
        import_module(f"governance.reports.sections.{name}")
    return SECTIONS


__all__ = ["SECTIONS", "Section", "load_sections", "register"]
