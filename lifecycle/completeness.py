"""Completeness of each open asset's governance record: documents, reviews, evidence and monitoring.

Each asset is judged on its current version (the latest deployed, else the latest). One SQL pass over
the assets (a CTE) computes every part for every asset; the parts' sets are uncorrelated subqueries
compiled from the ORM, evaluated once each. Visibility is the viewer's (lifecycle.queries).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Exists, F, OuterRef, QuerySet
from django.utils import timezone

from governance.accounts.models import User
from governance.bias_reviews.models import PASSING_VERDICTS, BiasReview
from governance.evidence.models import Evidence
from governance.inventory.models import Asset, AssetVersion
from governance.model_cards.models import Document, DocumentKind
from governance.oversight.models.monitoring import MonitoringPlan, WatchedMetric
from lifecycle.queries import asset_visibility, visible_assets
from lifecycle.stages import ASSET, FINAL_STAGES, VERSION, VersionStage


def stale_after(now: dt.datetime) -> dt.datetime:
    """Monitoring data older than this is missing (setting STEWARD_MONITORING_STALE_DAYS, default 7)."""
    return now - dt.timedelta(days=settings.STEWARD_MONITORING_STALE_DAYS)


@dataclass(frozen=True)
class Part:
    key: str
    label: str
    missing: str
    # SQL (with params) selecting the version ids that have the part; "current" is the CTE below.
    versions_having: Callable[[dt.datetime], tuple[str, list[Any]]]
    # For versions that are deployed, an extra SQL set the version must also be in (or None).
    deployed_also: Callable[[dt.datetime], tuple[str, list[Any]]] | None = None


def _sql(queryset: QuerySet[Any]) -> tuple[str, list[Any]]:
    # No ORDER BY in a subquery: a model's default ordering would drag joins and a sort into it.
    sql, params = queryset.order_by().query.sql_with_params()
    return sql, list(params)


def _documents(now: dt.datetime) -> tuple[str, list[Any]]:
    docs = Document.objects.filter(
        kind__in=[DocumentKind.MODEL_CARD, DocumentKind.DATASHEET],
        version__isnull=False,
        final_revision__isnull=False,
        final_revision_id=F("current_revision_id"),
        current_revision__is_complete=True,
    )
    return _sql(docs.values("version_id"))


def _reviews(now: dt.datetime) -> tuple[str, list[Any]]:
    report = Document.objects.filter(
        kind=DocumentKind.VALIDATION_REPORT,
        version=OuterRef("version_id"),
        final_revision__isnull=False,
        final_revision_id=F("current_revision_id"),
        current_revision__is_complete=True,
    )
    passed = BiasReview.objects.filter(signed_at__isnull=False, verdict__in=PASSING_VERDICTS)
    return _sql(passed.filter(Exists(report)).values("version_id"))


def _evidence(now: dt.datetime) -> tuple[str, list[Any]]:
    return _sql(Evidence.objects.filter(superseded_at__isnull=True).values("version_id"))


def _monitoring_plan(now: dt.datetime) -> tuple[str, list[Any]]:
    return _sql(WatchedMetric.objects.values("plan__version_id"))


def _monitoring_fresh(now: dt.datetime) -> tuple[str, list[Any]]:
    return _sql(MonitoringPlan.objects.filter(last_observed_at__gte=stale_after(now)).values("version_id"))


PARTS: tuple[Part, ...] = (
    Part("documents", "Documents", "model card (or datasheet) final and complete", _documents),
    Part("reviews", "Reviews", "validation report final and a passing, signed-off bias review", _reviews),
    Part("evidence", "Evidence", "current evidence attached", _evidence),
    Part(
        "monitoring",
        "Monitoring",
        "a monitoring plan (and, once deployed, data in the last N days)",
        _monitoring_plan,
        _monitoring_fresh,
    ),
)
PART_KEYS = tuple(part.key for part in PARTS)


@dataclass(frozen=True)
class AssetCompleteness:
    asset_id: int
    version_id: int | None
    deployed: bool
    present: dict[str, bool]

    @property
    def score(self) -> int:
        return round(100 * sum(self.present.values()) / len(PARTS))

    @property
    def missing(self) -> list[str]:
        return [key for key in PART_KEYS if not self.present[key]]


def _completeness_cte(user: User, now: dt.datetime) -> tuple[str, list[Any]]:
    """SQL of a CTE `parts(asset_id, version_id, deployed, <part>…)` over the viewer's open assets.

    Each asset's current version is its latest deployed version, else its latest version that is not
    retired or rejected (those need no more governance); each part is 1 when that version is in the
    part's set (uncorrelated subqueries, evaluated once as hashes).
    """
    asset_table, version_table = Asset._meta.db_table, AssetVersion._meta.db_table
    open_stages = [stage for stage in VersionStage.values if stage not in FINAL_STAGES[VERSION]]
    params: list[Any] = [
        VersionStage.DEPLOYED,
        VersionStage.DEPLOYED,
        *open_stages,
        *sorted(FINAL_STAGES[ASSET]),
    ]
    where = "a.stage NOT IN (%s, %s)"
    rule = asset_visibility(user)
    if rule is not None:
        visible_sql, visible_params = _sql(visible_assets(user).values("pk"))
        where += f" AND a.id IN ({visible_sql})"
        params += visible_params
    columns = []
    for part in PARTS:
        sql, part_params = part.versions_having(now)
        column = f"CASE WHEN c.version_id IN ({sql})"
        params += part_params
        if part.deployed_also is not None:
            also_sql, also_params = part.deployed_also(now)
            column += f" AND (c.deployed = 0 OR c.version_id IN ({also_sql}))"
            params += also_params
        columns.append(f"{column} THEN 1 ELSE 0 END AS {part.key}")
    sql = f"""
        WITH current_versions AS (
            SELECT a.id AS asset_id,
                   COALESCE(MAX(CASE WHEN v.stage = %s THEN v.id END), MAX(v.id)) AS version_id,
                   MAX(CASE WHEN v.stage = %s THEN 1 ELSE 0 END) AS deployed
            FROM {asset_table} a
            LEFT JOIN {version_table} v
                ON v.asset_id = a.id AND v.stage IN ({", ".join(["%s"] * len(open_stages))})
            WHERE {where}
            GROUP BY a.id
        ), parts AS MATERIALIZED (
            SELECT c.asset_id, c.version_id, c.deployed, {", ".join(columns)}
            FROM current_versions c
        )
    """  # noqa: S608 - table names and column names are ours; values are parameters
    return sql, params


@dataclass
class CompletenessSummary:
    assets: int
    complete: int
    missing: dict[str, int]
    average: int


def completeness_overview(
    user: User, *, limit: int = 10, now: dt.datetime | None = None
) -> tuple[CompletenessSummary, list[AssetCompleteness]]:
    """The summary and the `limit` least complete assets in one query (window aggregates over all rows,
    computed before the LIMIT), so the dashboard walks the assets once."""
    cte, params = _completeness_cte(user, now or timezone.now())
    total = " + ".join(PART_KEYS)
    columns = ", ".join(PART_KEYS)
    missing = ", ".join(f"SUM(1 - {key}) OVER ()" for key in PART_KEYS)
    sql = (
        f"{cte} SELECT asset_id, version_id, deployed, {columns}, COUNT(*) OVER (), "  # noqa: S608
        f"SUM(CASE WHEN total = {len(PARTS)} THEN 1 ELSE 0 END) OVER (), SUM(total) OVER (), {missing} "
        f"FROM (SELECT parts.*, {total} AS total FROM parts) ranked ORDER BY total, asset_id LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, limit])
        rows = cursor.fetchall()
    width = len(PART_KEYS)
    items = [
        AssetCompleteness(
            asset_id=row[0],
            version_id=row[1],
            deployed=bool(row[2]),
            present={key: bool(value) for key, value in zip(PART_KEYS, row[3 : 3 + width], strict=True)},
        )
        for row in rows
    ]
    if not rows:
        return CompletenessSummary(0, 0, dict.fromkeys(PART_KEYS, 0), 100), []
    first = rows[0][3 + width :]
    assets, complete, present = int(first[0]), int(first[1]), int(first[2])
    summary = CompletenessSummary(
        assets,
        complete,
        dict(zip(PART_KEYS, map(int, first[3:]), strict=True)),
        round(100 * present / (assets * width)),
    )
    return summary, items


def least_complete(
    user: User, *, missing: str = "", limit: int = 10, offset: int = 0, now: dt.datetime | None = None
) -> tuple[list[AssetCompleteness], int]:
    """Open assets ordered from least to most complete (optionally only those missing one part), and
    how many there are in all. Two queries."""
    cte, params = _completeness_cte(user, now or timezone.now())
    # Only our own column names are interpolated (`missing` is checked against PART_KEYS).
    where = f"WHERE {missing} = 0" if missing in PART_KEYS else ""
    total = " + ".join(PART_KEYS)
    columns = ", ".join(PART_KEYS)
    rows_sql = f"{cte} SELECT asset_id, version_id, deployed, {columns} FROM parts {where} "  # noqa: S608
    rows_sql += f"ORDER BY {total}, asset_id LIMIT %s OFFSET %s"
    count_sql = f"{cte} SELECT COUNT(*) FROM parts {where}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(rows_sql, [*params, limit, offset])
        rows = cursor.fetchall()
        cursor.execute(count_sql, params)
        count = int(cursor.fetchone()[0])
    items = [
        AssetCompleteness(
            asset_id=row[0],
            version_id=row[1],
            deployed=bool(row[2]),
            present={key: bool(value) for key, value in zip(PART_KEYS, row[3:], strict=True)},
        )
        for row in rows
    ]
    return items, count
