"""The role-aware navigation. Apps add their entries to NAV_ITEMS; counts come from COUNTERS.

A counter is a callable taking the request and returning an int (shown as a badge when > 0);
the inbox registers "waiting for me" here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str
    url_name: str
    roles: frozenset[str] = frozenset()  # empty: everyone signed in
    order: int = 100


NAV_ITEMS: list[NavItem] = [
    NavItem("inventory", "Inventory", "inventory:list", order=10),
    NavItem("audit", "Audit trail", "audit:events", order=80),
    NavItem("people", "People & teams", "accounts:people", frozenset({"admin"}), order=90),
    NavItem("tokens", "API tokens", "accounts:tokens", order=95),
]
COUNTERS: dict[str, Callable[[HttpRequest], int]] = {}


def register_nav_item(item: NavItem, counter: Callable[[HttpRequest], int] | None = None) -> None:
    if all(existing.key != item.key for existing in NAV_ITEMS):
        NAV_ITEMS.append(item)
    if counter is not None:
        COUNTERS[item.key] = counter


def navigation_for(request: HttpRequest) -> list[dict[str, object]]:
    user = request.user
    path = request.path
    items = []
    for item in sorted(NAV_ITEMS, key=lambda i: i.order):
        if item.roles and not user.has_role(*item.roles):  # type: ignore[union-attr]
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        counter = COUNTERS.get(item.key)
        items.append(
            {
                "key": item.key,
                "label": item.label,
                "url": url,
                "active": path.startswith(url),
                "count": counter(request) if counter else 0,
            }
        )
    return items
