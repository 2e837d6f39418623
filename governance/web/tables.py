"""Server-side sorting and pagination for list pages.

The client picks a sort key from a fixed list (never a raw field name), so a crafted query string
cannot order by a hidden column or make the database sort on something unindexed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Expression, F, QuerySet
from django.http import HttpRequest

PAGE_SIZE = 50


@dataclass(frozen=True)
class Sorting:
    """The sort keys a list accepts, each with its ORDER BY, and the one in force for this request."""

    columns: dict[str, Sequence[str | Expression]]
    key: str
    descending: bool

    @classmethod
    def from_request(
        cls, request: HttpRequest, columns: dict[str, Sequence[str | Expression]], default: str
    ) -> Sorting:
        raw = request.GET.get("sort", "") or default
        descending = raw.startswith("-")
        key = raw.lstrip("-")
        if key not in columns:
            key, descending = default.lstrip("-"), default.startswith("-")
        return cls(columns, key, descending)

    def apply(self, queryset: QuerySet[Any], tiebreak: str = "pk") -> QuerySet[Any]:
        """Order by the chosen column, then by `tiebreak`, so pages never overlap or skip rows."""
        order: list[Any] = []
        for term in self.columns[self.key]:
            expression = F(term) if isinstance(term, str) else term
            order.append(
                expression.desc(nulls_last=True) if self.descending else expression.asc(nulls_last=True)
            )
        order.append(F(tiebreak).desc() if self.descending else F(tiebreak).asc())
        return queryset.order_by(*order)

    @property
    def param(self) -> str:
        return f"-{self.key}" if self.descending else self.key


def paginate(request: HttpRequest, queryset: QuerySet[Any], per_page: int = PAGE_SIZE) -> Page:
    """The requested page; out-of-range or malformed page numbers give the nearest valid page."""
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))
