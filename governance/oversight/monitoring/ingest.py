"""Observation ingest: parse a batch, store it all or nothing, and act on warnings and breaches.

A batch holds up to 1,000 observations. Every item is checked (shape, version, metric, window,
conflicts) before anything is written; one bad item rejects the whole batch with every problem
listed by index. Observations are unique per (version, metric, window, segment): a repeat with the
same value is ignored (so a batch may be retried safely), a repeat with another value is refused
(observations are never overwritten). Each stored observation gets its status against the plan; per
(version, metric), warnings open or update a monitoring finding and breaches open an incident (or
join the one already open) with a high finding. One `monitoring.observations_ingested` event per batch.

Storing is fast and all or nothing; acting on a batch's warnings and breaches (findings, incidents,
suspension) follows in a second transaction, evaluate(), run by a task queued when the batch commits
(a sweeper re-queues any batch left unevaluated). Which versions the sender may push to, and whether
a breach suspends a version, are decided by the lifecycle (lifecycle.monitoring).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import Case, DateTimeField, F, Value, When
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from governance.audit.actors import Actor
from governance.audit.event_types import AuditAction
from governance.audit.ledger import record_event
from governance.inventory.models import AssetVersion
from governance.oversight.errors import BatchRejected
from governance.oversight.models.findings import Finding
from governance.oversight.models.incidents import Incident
from governance.oversight.models.monitoring import (
    MonitoringPlan,
    Observation,
    ObservationBatch,
    ObservationStatus,
    WatchedMetric,
)
from governance.oversight.monitoring import consequences
from governance.oversight.monitoring.evaluation import SEVERITY_ORDER, classify
from governance.oversight.monitoring.parsing import MAX_BATCH, Item, ParsedBatch, problem


@dataclass(slots=True)
class Row:
    """One observation to insert: a plain record, cheaper than a model instance for a thousand rows."""

    version_id: int
    metric: WatchedMetric
    value: float
    window_start: dt.datetime
    window_end: dt.datetime
    segment: str
    status: str


@dataclass
class MetricOutcome:
    """What one (version, metric) pair of the batch led to."""

    version: AssetVersion
    metric: WatchedMetric
    status: str
    worst: Any  # the stored Observation when evaluating; the Row it came from when just stored
    count: int
    finding: Finding | None = None
    incident: Incident | None = None
    incident_opened: bool = False


@dataclass
class IngestResult:
    batch: ObservationBatch
    outcomes: list[MetricOutcome] = field(default_factory=list)

    @property
    def breaches(self) -> list[MetricOutcome]:
        return [o for o in self.outcomes if o.status == ObservationStatus.BREACH]

    @property
    def warnings(self) -> list[MetricOutcome]:
        return [o for o in self.outcomes if o.status == ObservationStatus.WARNING]


def _resolve(
    parsed: ParsedBatch, versions: Mapping[int, AssetVersion]
) -> tuple[list[tuple[Item, WatchedMetric]], list[dict]]:
    """Match items to the (visible, locked) versions and their plans' metrics."""
    metrics: dict[int, dict[str, WatchedMetric]] = defaultdict(dict)
    for metric in WatchedMetric.objects.filter(plan__version_id__in=list(versions)).select_related("plan"):
        metrics[metric.plan.version_id][metric.key] = metric
    resolved: list[tuple[Item, WatchedMetric]] = []
    problems: list[dict[str, Any]] = []
    for item in parsed.items:
        version = versions.get(item.version_id)
        if version is None:
            problems.append(problem(item.index, "version", f"Unknown version {item.version_id}."))
            continue
        watched = metrics[item.version_id].get(item.metric_key)
        if watched is None:
            names = ", ".join(sorted(metrics[item.version_id])) or "nothing: it has no monitoring plan"
            reason = (
                f"Version {item.version_id} does not watch “{item.metric_key}”; its plan watches {names}."
            )
            problems.append(problem(item.index, "metric", reason))
            continue
        resolved.append((item, watched))
    return resolved, problems


Key = tuple[int, int, dt.datetime, dt.datetime, str]


def _new_items(
    resolved: list[tuple[Item, WatchedMetric]],
) -> tuple[list[tuple[Item, WatchedMetric]], int, list[dict]]:
    """Drop repeats (same key, same value) within the batch and of stored observations; refuse conflicts."""
    fresh: dict[Key, tuple[Item, WatchedMetric]] = {}
    duplicates, problems = 0, []
    for item, metric in resolved:
        key = (item.version_id, metric.pk, item.window_start, item.window_end, item.segment)
        earlier = fresh.get(key)
        if earlier is None:
            fresh[key] = (item, metric)
        elif earlier[0].value == item.value:
            duplicates += 1
        else:
            reason = (
                f"Conflicts with observation {earlier[0].index}: "
                "same metric, window and segment, another value."
            )
            problems.append(problem(item.index, "value", reason))
    if fresh:
        starts = [k[2] for k in fresh]
        stored = Observation.objects.filter(
            version_id__in={k[0] for k in fresh},
            metric_id__in={k[1] for k in fresh},
            window_start__gte=min(starts),
            window_start__lte=max(starts),
        ).values_list("version_id", "metric_id", "window_start", "window_end", "segment", "value")
        for version_id, metric_id, start, end, segment, value in stored:
            key = (version_id, metric_id, start, end, segment)
            if key not in fresh:
                continue
            item, _ = fresh[key]
            if item.value == value:
                duplicates += 1
                del fresh[key]
            else:
                reason = f"Already recorded with the value {value:g}; observations are never overwritten."
                problems.append(problem(item.index, "value", reason))
    return list(fresh.values()), duplicates, problems


@transaction.atomic
def store_batch(
    *, actor: Actor, parsed: ParsedBatch, versions: Mapping[int, AssetVersion], now: dt.datetime | None = None
) -> IngestResult:
    """Store a parsed batch all or nothing, each observation with its status against the plan.

    `versions` are the versions the sender may push to, already locked by the caller. Raises
    BatchRejected (nothing written) listing every bad item; otherwise writes the batch row, the new
    observations and the batch's one audit event. What the warnings and breaches lead to (findings,
    incidents, suspension) is decided afterwards by evaluate_batch(), in its own transaction.
    """
    now = now or timezone.now()
    resolved, problems = _resolve(parsed, versions)
    fresh, duplicates, conflicts = _new_items(resolved)
    problems = sorted(parsed.problems + problems + conflicts, key=lambda p: (p["index"], p["field"]))
    if problems:
        bad = len({p["index"] for p in problems})
        raise BatchRejected(
            f"{bad} of {parsed.size} observations are invalid; nothing of the batch was stored.", problems
        )
    observations = [
        Row(
            item.version_id,
            metric,
            item.value,
            item.window_start,
            item.window_end,
            item.segment,
            classify(
                item.value,
                direction=metric.direction,
                warning=metric.warning_threshold,
                breach=metric.breach_threshold,
            ),
        )
        for item, metric in fresh
    ]
    batch = ObservationBatch.objects.create(
        received_at=now,
        actor_kind=actor.kind,
        actor_id=actor.id,
        actor_name=actor.name,
        request_id=actor.request_id or "",
        size=parsed.size,
        stored=len(observations),
        duplicates=duplicates,
        warnings=sum(o.status == ObservationStatus.WARNING for o in observations),
        breaches=sum(o.status == ObservationStatus.BREACH for o in observations),
        # Nothing to act on: the batch is evaluated as soon as it is stored.
        evaluated_at=None if any(o.status != ObservationStatus.OK for o in observations) else now,
    )
    _insert(batch, observations, now)
    _note_latest_windows(observations)
    touched = sorted({item.version_id for item, _ in resolved})
    batch.versions.add(*touched)
    result = IngestResult(batch, _outcomes(observations, versions))
    record_event(
        AuditAction.OBSERVATIONS_INGESTED,
        actor=actor,
        obj=batch,
        payload=_event_payload(batch, observations, result, versions, touched),
    )
    return result


def _insert(batch: ObservationBatch, observations: list[Row], now: dt.datetime) -> None:
    """Insert the observations in one statement (PostgreSQL: arrays unnested; elsewhere bulk_create).

    Building a thousand-row INSERT through the ORM costs more than the database's work; on PostgreSQL
    the rows travel as one array per column instead.
    """
    if not observations:
        return
    if connection.vendor != "postgresql":
        rows = [
            Observation(
                version_id=o.version_id,
                metric=o.metric,
                value=o.value,
                window_start=o.window_start,
                window_end=o.window_end,
                segment=o.segment,
                status=o.status,
                batch=batch,
                received_at=now,
            )
            for o in observations
        ]
        Observation.objects.bulk_create(rows, batch_size=MAX_BATCH)
        return
    meta = Observation._meta

    def column(name: str) -> str:
        return str(meta.get_field(name).column)  # type: ignore[union-attr]  # concrete fields only

    columns = [
        column(n) for n in ("version", "metric", "value", "window_start", "window_end", "segment", "status")
    ]
    table = meta.db_table
    batch_column, received_column = column("batch"), column("received_at")
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}, {batch_column}, {received_column}) "  # noqa: S608
        "SELECT v, m, x, ws, we, sg, st, %s, %s FROM unnest("
        "%s::bigint[], %s::bigint[], %s::double precision[], %s::timestamptz[], %s::timestamptz[], "
        "%s::varchar[], %s::varchar[]) AS t(v, m, x, ws, we, sg, st)"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [
                batch.pk,
                now,
                [o.version_id for o in observations],
                [o.metric.pk for o in observations],
                [o.value for o in observations],
                [o.window_start for o in observations],
                [o.window_end for o in observations],
                [o.segment for o in observations],
                [o.status for o in observations],
            ],
        )


def _note_latest_windows(observations: list[Row]) -> None:
    """Move each touched plan's last_observed_at forward to the batch's latest window end (one UPDATE)."""
    latest: dict[int, dt.datetime] = {}
    for row in observations:
        if row.window_end > latest.get(row.version_id, row.window_end - dt.timedelta(seconds=1)):
            latest[row.version_id] = row.window_end
    if not latest:
        return
    incoming = Case(
        *[When(version_id=vid, then=Value(end)) for vid, end in latest.items()], output_field=DateTimeField()
    )
    MonitoringPlan.objects.filter(version_id__in=list(latest)).update(
        last_observed_at=Greatest(Coalesce(F("last_observed_at"), incoming), incoming)
    )


def batch_outcomes(batch: ObservationBatch, versions: Mapping[int, AssetVersion]) -> list[MetricOutcome]:
    """The batch's warnings and breaches per (version, metric), read back from its stored observations."""
    alerts = list(
        Observation.objects.filter(batch=batch, version_id__in=list(versions))
        .exclude(status=ObservationStatus.OK)
        .select_related("metric")
        .order_by("pk")
    )
    return _outcomes(alerts, versions)


def evaluate(
    batch: ObservationBatch, versions: Mapping[int, AssetVersion], *, now: dt.datetime
) -> IngestResult:
    """Open or update the findings and incidents the batch's warnings and breaches call for.

    The caller holds the batch and its versions locked; the writes are attributed to Steward's
    monitoring rules on the sender's request id (see consequences.monitoring_actor).
    """
    result = IngestResult(batch, batch_outcomes(batch, versions))
    rules = consequences.monitoring_actor(
        Actor(batch.actor_kind, batch.actor_id, batch.actor_name, request_id=batch.request_id or None)
    )
    for outcome in result.outcomes:
        consequences.act_on(outcome, actor=rules, now=now)
    return result


def _outcomes(
    observations: Sequence[Row | Observation], versions: Mapping[int, AssetVersion]
) -> list[MetricOutcome]:
    """Per (version, metric): the worst status, its worst observation (latest window among equals)."""
    groups: dict[tuple[int, int], MetricOutcome] = {}
    for obs in observations:
        key = (obs.version_id, obs.metric.pk)
        outcome = groups.get(key)
        if outcome is None:
            groups[key] = MetricOutcome(versions[obs.version_id], obs.metric, obs.status, obs, 1)
            continue
        outcome.count += 1
        rank, best = SEVERITY_ORDER[obs.status], SEVERITY_ORDER[outcome.status]  # type: ignore[index]
        if rank > best or (rank == best and obs.window_end > outcome.worst.window_end):
            outcome.status, outcome.worst = obs.status, obs
    return [o for o in groups.values() if o.status != ObservationStatus.OK]


def _event_payload(
    batch: ObservationBatch,
    observations: list[Row],
    result: IngestResult,
    versions: Mapping[int, AssetVersion],
    touched: list[int],
) -> dict[str, Any]:
    stored_per_version: dict[int, int] = defaultdict(int)
    for obs in observations:
        stored_per_version[obs.version_id] += 1
    return {
        "size": batch.size,
        "stored": batch.stored,
        "duplicates": batch.duplicates,
        "versions": [
            {
                "id": vid,
                "asset": versions[vid].asset.slug,
                "label": versions[vid].label,
                "stored": stored_per_version.get(vid, 0),
            }
            for vid in touched
        ],
        "alerts": [
            {
                "version": o.version.pk,
                "metric": o.metric.key,
                "status": o.status,
                "observations": o.count,
                "worst_value": o.worst.value,
                "window_end": o.worst.window_end,
                "segment": o.worst.segment,
            }
            for o in result.outcomes
        ],
    }
