"""The token lookup behind every API request, in one SQL statement.

A bearer token is checked on every API call, so its cost is paid on every call: through the ORM it
took three queries (the token with its user, then the user's roles, then their teams) and about
five milliseconds, most of it building and compiling the queries. Here one hand-written statement,
portable between PostgreSQL and the embedded SQLite, returns the usable token, its user, and the
user's roles and team ids; the rows are turned into model instances with Django's own converters,
and the roles and teams fill the user's per-request caches (User.role_set, User.team_ids).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.db import connection
from django.db.models import Field, Model
from django.utils import timezone

from governance.accounts.models import ApiToken, Membership, RoleGrant, User

_AGGREGATE = {"postgresql": "string_agg({0}, ',')", "sqlite": "group_concat({0}, ',')"}


def _columns(model: type[Any], alias: str) -> list[str]:
    return [f"{alias}.{connection.ops.quote_name(f.column)}" for f in model._meta.concrete_fields]


@cache
def _statement(vendor: str) -> str:
    aggregate = _AGGREGATE[vendor]
    roles = aggregate.format("g.role")
    teams = aggregate.format("CAST(m.team_id AS TEXT)")
    columns = ", ".join(_columns(ApiToken, "t") + _columns(User, "u"))
    return (
        f"SELECT {columns},"  # noqa: S608 - identifiers from model metadata; values are parameters
        f" (SELECT {roles} FROM {RoleGrant._meta.db_table} g WHERE g.user_id = u.id),"
        f" (SELECT {teams} FROM {Membership._meta.db_table} m WHERE m.user_id = u.id)"
        f" FROM {ApiToken._meta.db_table} t JOIN {User._meta.db_table} u ON u.id = t.user_id"
        " WHERE t.key_hash = %s AND t.revoked_at IS NULL AND t.expires_at > %s AND u.is_active = %s"
    )


def _converters(field: Field) -> list[Any]:
    expression = field.get_col(field.model._meta.db_table)
    return connection.ops.get_db_converters(expression) + field.get_db_converters(connection)


@cache
def _converters_of(model: type[Model], vendor: str) -> list[tuple[list[Any], Field]]:
    """Each concrete field's converters, in column order (per backend: the vendor is the cache key)."""
    return [(_converters(f), f) for f in model._meta.concrete_fields]


def _instance(model: type[Model], values: tuple[Any, ...]) -> Any:
    converted = []
    for (converters, field), value in zip(_converters_of(model, connection.vendor), values, strict=True):
        for convert in converters:
            value = convert(value, field, connection)
        converted.append(value)
    return model.from_db(connection.alias, [f.attname for f in model._meta.concrete_fields], converted)


def usable_token(key_hash: str) -> ApiToken | None:
    """The unrevoked, unexpired token with this hash of an active user, with user, roles and teams."""
    vendor = connection.vendor
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(_statement(vendor), [key_hash, now, True])
        row = cursor.fetchone()
    if row is None:
        return None
    split = len(ApiToken._meta.concrete_fields)
    token = _instance(ApiToken, row[:split])
    user = _instance(User, row[split : split + len(User._meta.concrete_fields)])
    roles, teams = row[-2], row[-1]
    user.__dict__["role_set"] = frozenset(roles.split(",")) if roles else frozenset()
    user.__dict__["team_ids"] = frozenset(int(team) for team in teams.split(",")) if teams else frozenset()
    token.user = user
    return token
