"""Monitoring in the lifecycle: who may push observations, and a breach suspending a deployed version.

ingest_observations() is the one entry for metric batches (API, seed, benchmarks): it resolves the
versions the sender may see, locks them in id order (so concurrent batches for a version serialise),
lets the records store the batch all or nothing, and queues its evaluation on commit.
evaluate_batch() then opens or updates findings and incidents and, where a breached metric says so,
suspends the deployed version through transition(), the one door; the registry hears of it through
the outbox written by transition listeners.

Also registers the MONITORING_PLAN gate and the audit-event visibility of monitoring and incident
records (called from the lifecycle app's ready()).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import CharField, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone

from governance.accounts.models import ApiToken, User
from governance.audit.actors import Actor, ActorKind
from governance.inventory.models import Asset, AssetVersion
from governance.oversight.models.incidents import Incident, IncidentKind
from governance.oversight.models.monitoring import MonitoringPlan, ObservationBatch, WatchedMetric
from governance.oversight.monitoring.ingest import IngestResult, MetricOutcome, evaluate, store_batch
from governance.oversight.monitoring.parsing import parse_batch
from lifecycle.exceptions import LifecycleError
from lifecycle.gates import Gate, register_gate
from lifecycle.queries import register_event_visibility, visible_assets, visible_versions
from lifecycle.stages import VersionStage
from lifecycle.transitions import transition

logger = logging.getLogger(__name__)


def should_suspend_on_breach(version: AssetVersion, metric: WatchedMetric) -> bool:
    """Whether a breach of `metric` suspends `version` (when deployed).

    The one place this is decided. Approval policies carry no such setting yet, so the monitoring
    plan decides per metric (`suspend_on_breach`), approved with the plan as part of the digest.
    """
    return bool(metric.suspend_on_breach) and metric.plan.version_id == version.pk


@dataclass
class Suspension:
    version: AssetVersion
    metric: WatchedMetric
    done: bool
    reasons: list[str] = field(default_factory=list)


@dataclass
class Evaluation:
    """What one batch's warnings and breaches led to: findings, incidents and suspensions."""

    result: IngestResult
    suspensions: list[Suspension] = field(default_factory=list)


def _lock_visible(user: User | None, version_ids: set[int]) -> dict[int, AssetVersion]:
    """The batch's versions `user` may see, locked (version rows only, in id order, so lockers queue)."""
    if not version_ids or user is None:
        return {}
    visible = list(visible_versions(user).filter(pk__in=version_ids).values_list("pk", flat=True))
    return _lock(set(visible))


def _lock(version_ids: set[int]) -> dict[int, AssetVersion]:
    locked = (
        AssetVersion.objects.select_for_update(of=("self",))
        .select_related("asset")
        .filter(pk__in=version_ids)
        .order_by("pk")
    )
    return {version.pk: version for version in locked}


def _suspension_reason(outcome: MetricOutcome) -> str:
    obs, metric = outcome.worst, outcome.metric
    reference = outcome.incident.reference if outcome.incident else "no incident"
    where = f" ({obs.segment})" if obs.segment else ""
    return (
        f"Monitoring breach: {metric.name}{where} = {obs.value:g} against a breach threshold of "
        f"{metric.breach_threshold:g} for the window ending {obs.window_end:%Y-%m-%d %H:%M} UTC "
        f"({reference})."
    )


def _suspend(outcome: MetricOutcome, *, actor: Actor) -> Suspension:
    """Suspend the breached version through transition(); a refusal is reported, not raised."""
    version, metric = outcome.version, outcome.metric
    try:
        transition(version, VersionStage.SUSPENDED, actor=actor, reason=_suspension_reason(outcome))
    except LifecycleError as exc:
        logger.warning("monitoring breach could not suspend version %s: %s", version.pk, exc.reasons)
        return Suspension(version, metric, False, exc.reasons)
    return Suspension(version, metric, True)


@transaction.atomic
def ingest_observations(*, actor: Actor, data: Any) -> IngestResult:
    """Take one batch of observations from an integration (token or registry), all or nothing.

    Raises PermissionDenied (403) for anyone else and BatchRejected (400, every bad item with its
    index and reason; nothing stored). The stored batch is evaluated by a task queued on commit
    (findings, incidents and suspensions: evaluate_batch), so ingest stays fast and its one audit
    event is the last step of a short transaction.
    """
    from lifecycle.monitoring_tasks import evaluate_observation_batch

    if not actor.is_integration:
        raise PermissionDenied("Observations are pushed by integration tokens (scope “integration”).")
    parsed = parse_batch(data)
    versions = _lock_visible(actor.user, parsed.version_ids)
    result = store_batch(actor=actor, parsed=parsed, versions=versions)
    if result.batch.evaluated_at is None:
        transaction.on_commit(partial(evaluate_observation_batch.delay, result.batch.pk))
    return result


def sender_of(batch: ObservationBatch) -> Actor:
    """The actor who pushed the batch, rebuilt from its snapshot (suspensions are theirs)."""
    if batch.actor_kind == ActorKind.TOKEN:
        token = ApiToken.objects.select_related("user").filter(pk=batch.actor_id).first()
        if token is not None:
            return Actor.for_token(token, request_id=batch.request_id or None)
    if batch.actor_kind == ActorKind.REGISTRY:
        return Actor.registry(int(batch.actor_id), batch.actor_name, request_id=batch.request_id or None)
    return Actor(batch.actor_kind, batch.actor_id, batch.actor_name, request_id=batch.request_id or None)


@transaction.atomic
def evaluate_batch(batch_id: int) -> Evaluation | None:
    """Act on a stored batch's warnings and breaches, once: findings, incidents and, where a breached
    metric says so, the suspension of a deployed version through transition() (the sender's edge).

    Idempotent: the batch row is locked and skipped once evaluated (None is returned). The versions
    are locked in id order, so batches about the same versions are evaluated one after the other and
    a later breach joins the incident an earlier one opened.
    """
    batch = (
        ObservationBatch.objects.select_for_update(skip_locked=True)
        .filter(pk=batch_id, evaluated_at__isnull=True)
        .first()
    )
    if batch is None:
        return None
    versions = _lock(set(batch.versions.values_list("pk", flat=True)))
    now = timezone.now()
    evaluation = Evaluation(evaluate(batch, versions, now=now))
    sender, suspended = sender_of(batch), set()
    for breach in evaluation.result.breaches:
        version = breach.version
        if version.pk in suspended or version.stage != VersionStage.DEPLOYED:
            continue
        if should_suspend_on_breach(version, breach.metric):
            suspension = _suspend(breach, actor=sender)
            evaluation.suspensions.append(suspension)
            if suspension.done:
                suspended.add(version.pk)
    ObservationBatch.objects.filter(pk=batch.pk).update(evaluated_at=now)
    return evaluation


def pending_batches(older_than: dt.timedelta) -> list[int]:
    """Batches stored more than `older_than` ago and not evaluated yet (their task was lost)."""
    cutoff = timezone.now() - older_than
    pending = ObservationBatch.objects.filter(evaluated_at__isnull=True, received_at__lt=cutoff)
    return list(pending.order_by("pk").values_list("pk", flat=True)[:1000])


def monitoring_plan_gate(asset: Asset, version: AssetVersion | None, options: Mapping[str, Any]) -> list[str]:
    """The MONITORING_PLAN gate: the version has a monitoring plan watching at least one metric."""
    if version is None:
        return []
    plan = MonitoringPlan.objects.filter(version=version).first()
    if plan is None:
        return [f"Version {version.label} has no monitoring plan."]
    if not plan.metrics.exists():
        return [f"The monitoring plan of version {version.label} watches no metric."]
    return []


def _as_text_ids(queryset: QuerySet[Any]) -> QuerySet[Any]:
    return queryset.annotate(sid=Cast("pk", CharField())).values("sid")


def _plans_visible_to(user: User) -> QuerySet[Any]:
    return _as_text_ids(MonitoringPlan.objects.filter(version__in=visible_versions(user)))


def _batches_visible_to(user: User) -> QuerySet[Any]:
    return _as_text_ids(ObservationBatch.objects.filter(versions__in=visible_versions(user)).distinct())


def _incidents_visible_to(user: User) -> QuerySet[Any]:
    return _as_text_ids(Incident.objects.filter(asset__in=visible_assets(user)))


def _kinds_visible_to(user: User) -> QuerySet[Any]:
    # Incident kinds are configuration everyone may read.
    return _as_text_ids(IncidentKind.objects.all())


def register() -> None:
    """Install the monitoring gate check and the visibility of oversight records' audit events."""
    from lifecycle import monitoring_tasks  # noqa: F401  (Celery learns the evaluation tasks)

    register_gate(Gate.MONITORING_PLAN, monitoring_plan_gate)
    register_event_visibility("oversight.monitoringplan", _plans_visible_to)
    register_event_visibility("oversight.observationbatch", _batches_visible_to)
    register_event_visibility("oversight.incident", _incidents_visible_to)
    register_event_visibility("oversight.incidentkind", _kinds_visible_to)
