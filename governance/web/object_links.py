"""Links from audit events to the pages of the objects they are about, resolved in bulk.

A resolver takes the viewer and the ids (as text) of one object type on a page and returns the URL of
each object the viewer may open; ids it leaves out are shown unlinked. One query per object type, so
a page of events costs the same however many rows it shows. Apps with their own pages (documents,
findings, reports…) register a resolver for their object type.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.urls import reverse

from governance.accounts.models import Team, User
from lifecycle.queries import visible_assets, visible_versions

Resolver = Callable[[User, set[str]], dict[str, str]]


def _int_ids(ids: set[str]) -> list[int]:
    return [int(i) for i in ids if i.isdigit()]


def _assets(user: User, ids: set[str]) -> dict[str, str]:
    rows = visible_assets(user).filter(pk__in=_int_ids(ids)).values_list("pk", "slug")
    return {str(pk): reverse("inventory:asset", args=[slug]) for pk, slug in rows}


def _versions(user: User, ids: set[str]) -> dict[str, str]:
    rows = visible_versions(user).filter(pk__in=_int_ids(ids)).values_list("pk", "asset__slug")
    return {str(pk): reverse("inventory:version", args=[slug, pk]) for pk, slug in rows}


def _teams(user: User, ids: set[str]) -> dict[str, str]:
    if not user.has_role("admin"):
        return {}
    rows = Team.objects.filter(pk__in=_int_ids(ids)).values_list("pk", "slug")
    return {str(pk): reverse("accounts:team", args=[slug]) for pk, slug in rows}


def _users(user: User, ids: set[str]) -> dict[str, str]:
    if not user.has_role("admin"):
        return {}
    rows = User.objects.filter(pk__in=_int_ids(ids)).values_list("pk", "username")
    return {str(pk): reverse("accounts:person", args=[username]) for pk, username in rows}


RESOLVERS: dict[str, Resolver] = {
    "inventory.asset": _assets,
    "inventory.assetversion": _versions,
    "accounts.team": _teams,
    "accounts.user": _users,
}


def register_object_link(object_type: str, resolver: Resolver) -> None:
    """Let audit rows about `object_type` link to its page (the resolver decides who may follow it)."""
    RESOLVERS[object_type] = resolver


def object_urls(
    user: User, references: Iterable[tuple[str | None, str | None]]
) -> dict[tuple[str, str], str]:
    """URLs for the (object_type, object_id) pairs the viewer may open, keyed by that pair."""
    wanted: dict[str, set[str]] = {}
    for object_type, object_id in references:
        if object_type in RESOLVERS and object_id:
            wanted.setdefault(object_type, set()).add(object_id)
    urls: dict[tuple[str, str], str] = {}
    for object_type, ids in wanted.items():
        for object_id, url in RESOLVERS[object_type](user, ids).items():
            urls[(object_type, object_id)] = url
    return urls
