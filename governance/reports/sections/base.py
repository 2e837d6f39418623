"""The section contract: key, title, template partial, the scopes it applies to, and its gatherer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from governance.reports.models import ReportScope
from governance.reports.scopes import ReportContext

ALL_SCOPES = frozenset(ReportScope.values)
OBJECT_SCOPES = frozenset({ReportScope.VERSION, ReportScope.ASSET})


@dataclass(frozen=True)
class Section:
    """One part of the report. `gather(ctx)` returns JSON values, or None to leave the section out."""

    key: str
    title: str
    template: str
    order: int
    gather: Callable[[ReportContext], dict[str, Any] | None]
    scopes: frozenset[str] = ALL_SCOPES
    in_toc: bool = True


SECTIONS: dict[str, Section] = {}


def register(section: Section) -> Section:
    SECTIONS[section.key] = section
    return section


def sections_for(scope: str) -> list[Section]:
    return sorted((s for s in SECTIONS.values() if scope in s.scopes), key=lambda s: s.order)
