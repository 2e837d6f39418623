"""Processing stored deliveries: each event is a hint; Steward reads the registry's current state back.

A worker claims a delivery with a compare-and-set update, reads what it needs from the registry
(outside any transaction), then applies it in one transaction that also marks the delivery done
and, when anything changed, appends one `registry.delivery_processed` audit event. Replays,
duplicates and out-of-order deliveries converge on the same state.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from governance.audit.event_types import AuditAction
from governance.audit.ledger import record_event
from governance.integrations.crypto import SecretUnavailable
from governance.integrations.events import PARSERS, BadEvent, ParsedEvent
from governance.integrations.mlflow_client import MlflowClient, RegistryError, alias_map, version_tags
from governance.integrations.models import DeliveryStatus, OutboxOp, RegistryConnection, WebhookDelivery
from governance.integrations.outbox import TAG_PREFIX, is_echo, write_restore
from governance.integrations.sync import (
    DIGEST_TAG_KEYS,
    VersionState,
    apply_aliases,
    deploy_from_registry,
    digest_from,
    ensure_version,
    finding_ref,
    lock_model,
    raise_registry_finding,
    registry_actor,
    undeploy_from_registry,
)
from governance.oversight.models import Severity
from lifecycle.stages import VersionStage
from lifecycle.transitions import transition

logger = logging.getLogger(__name__)


@dataclass
class Outcome:
    status: str
    result: str
    effects: list[str]


def state_from_mlflow(model_version: dict[str, Any]) -> VersionState:
    tags = version_tags(model_version)
    digest = next((digest_from(tags[k]) for k in DIGEST_TAG_KEYS if digest_from(tags.get(k, ""))), "")
    return VersionState(
        model=str(model_version["name"]),
        version=str(model_version["version"]),
        source=str(model_version.get("source") or ""),
        run_id=str(model_version.get("run_id") or ""),
        digest=digest,
        description=str(model_version.get("description") or ""),
    )


def _done(result: str, effects: list[str]) -> Outcome:
    return Outcome(DeliveryStatus.PROCESSED if effects else DeliveryStatus.IGNORED, result, effects)


# --- MLflow -----------------------------------------------------------------------------------------
def _aliased_states(
    client: MlflowClient, connection: RegistryConnection, name: str, aliases: dict[str, str]
) -> dict[str, VersionState]:
    watched = {*connection.production_aliases, connection.approved_alias} - {""}
    states = {}
    for number in {v for a, v in aliases.items() if a in watched}:
        found = client.get_model_version(name, number)
        if found is not None:
            states[number] = state_from_mlflow(found)
    return states


def _mlflow_version_created(
    connection: RegistryConnection, data: dict[str, Any], delivery: WebhookDelivery
) -> Outcome:
    name, number = data["name"], data["version"]
    with MlflowClient(connection) as client:
        found = client.get_model_version(name, number)
        if found is None:
            gone = f"{name} v{number} is not in the registry (deleted, or a test delivery)"
            return _finish_alone(delivery, Outcome(DeliveryStatus.IGNORED, gone, []))
        registered = client.get_registered_model(name) if found.get("aliases") else None
        aliases = alias_map(registered) if registered else {}
        states = _aliased_states(client, connection, name, aliases)
    effects: list[str] = []
    with transaction.atomic():
        model = lock_model(connection, name, effects)
        link = ensure_version(connection, model, state_from_mlflow(found), effects)
        if link is None:
            return _finish(
                delivery,
                connection,
                Outcome(DeliveryStatus.IGNORED, f"model {name} is not mapped to an asset", effects),
            )
        if aliases:
            apply_aliases(connection, model, aliases, states, effects)
        return _finish(delivery, connection, _done(f"{name} v{number} is {link.asset_version}", effects))


def _mlflow_model_created(
    connection: RegistryConnection, data: dict[str, Any], delivery: WebhookDelivery
) -> Outcome:
    effects: list[str] = []
    with transaction.atomic():
        model = lock_model(connection, data["name"], effects)
        result = f"mapped to {model.asset.slug}" if model.asset else "not mapped to an asset yet"
        return _finish(delivery, connection, _done(result, effects))


def _mlflow_alias(connection: RegistryConnection, parsed: ParsedEvent, delivery: WebhookDelivery) -> Outcome:
    data = parsed.data
    name, alias = data["name"], data["alias"]
    created = parsed.event.endswith(".created")
    op = OutboxOp.SET_ALIAS if created else OutboxOp.DELETE_ALIAS
    if is_echo(connection, name, op, alias, version=data.get("version") if created else None):
        return _finish_alone(delivery, Outcome(DeliveryStatus.IGNORED, "echo of Steward's own write", []))
    with MlflowClient(connection) as client:
        registered = client.get_registered_model(name)
        if registered is None:
            return _finish_alone(
                delivery, Outcome(DeliveryStatus.IGNORED, f"model {name} is not in the registry", [])
            )
        aliases = alias_map(registered)
        states = _aliased_states(client, connection, name, aliases)
    effects: list[str] = []
    with transaction.atomic():
        model = lock_model(connection, name, effects)
        if model.asset is None:
            return _finish(
                delivery,
                connection,
                Outcome(DeliveryStatus.IGNORED, f"model {name} is not mapped to an asset", effects),
            )
        apply_aliases(connection, model, aliases, states, effects)
        return _finish(delivery, connection, _done(f"aliases of {name} now {aliases or 'none'}", effects))


def _mlflow_tag(connection: RegistryConnection, parsed: ParsedEvent, delivery: WebhookDelivery) -> Outcome:
    data = parsed.data
    name, number, key = data["name"], data["version"], data["key"]
    if not key.startswith(TAG_PREFIX):
        return _finish_alone(delivery, Outcome(DeliveryStatus.IGNORED, f"tag {key} is not Steward's", []))
    setting = parsed.event.endswith(".set")
    op, value = (OutboxOp.SET_TAG, data["value"]) if setting else (OutboxOp.DELETE_TAG, None)
    if is_echo(connection, name, op, key, version=number, value=value):
        return _finish_alone(delivery, Outcome(DeliveryStatus.IGNORED, "echo of Steward's own write", []))
    with MlflowClient(connection) as client:
        found = client.get_model_version(name, number)
    state = state_from_mlflow(found) if found else VersionState(name, number)
    effects: list[str] = []
    with transaction.atomic():
        model = lock_model(connection, name, effects)
        link = ensure_version(connection, model, state, effects)
        if link is None:
            return _finish(
                delivery,
                connection,
                Outcome(DeliveryStatus.IGNORED, f"model {name} is not mapped to an asset", effects),
            )
        what = f"set to “{value}”" if setting else "deleted"
        raise_registry_finding(
            connection,
            link,
            ref=finding_ref(connection, name, number, "tag", key, delivery.delivery_id),
            title=f"Steward's tag {key} on {link.asset_version} was {what.split()[0]} outside Steward",
            description=f"In {connection.name}, {key} on {name} version {number} was {what} by someone "
            "other than Steward "
            f"(delivery {delivery.delivery_id}). Steward restores its own tags.",
            effects=effects,
        )
        write_restore(connection, link, key)
        effects.append(f"restoring Steward's tags on {link}")
        return _finish(delivery, connection, _done("foreign write of a steward.* tag", effects))


def _apply_mlflow(connection: RegistryConnection, parsed: ParsedEvent, delivery: WebhookDelivery) -> Outcome:
    if parsed.event == "registered_model.created":
        return _mlflow_model_created(connection, parsed.data, delivery)
    if parsed.event == "model_version.created":
        return _mlflow_version_created(connection, parsed.data, delivery)
    if parsed.event.startswith("model_version_alias."):
        return _mlflow_alias(connection, parsed, delivery)
    return _mlflow_tag(connection, parsed, delivery)


# --- SageMaker and generic events ------------------------------------------------------------------------
def _state(data: dict[str, Any]) -> VersionState:
    return VersionState(
        model=data["model"],
        version=data["version"],
        source=data.get("source", ""),
        run_id=data.get("run_id", ""),
        digest=data.get("artifact_digest", ""),
        description=data.get("description", ""),
        ref=data.get("arn") or data.get("ref", ""),
    )


def _apply_pushed(connection: RegistryConnection, parsed: ParsedEvent, delivery: WebhookDelivery) -> Outcome:
    """SageMaker approval changes and generic events carry the state themselves (no read-back API)."""
    data, event = parsed.data, parsed.event
    effects: list[str] = []
    with transaction.atomic():
        model = lock_model(connection, data["model"], effects)
        link = ensure_version(connection, model, _state(data), effects)
        if link is None:
            return _finish(
                delivery,
                connection,
                Outcome(DeliveryStatus.IGNORED, f"model {data['model']} is not mapped to an asset", effects),
            )
        stage = link.asset_version.stage
        where = f"{connection.name} reports {data['model']} version {data['version']}"
        if event == "sagemaker.Approved" and stage not in {VersionStage.APPROVED, VersionStage.DEPLOYED}:
            raise_registry_finding(
                connection,
                link,
                ref=finding_ref(connection, data["arn"], "Approved"),
                title=f"{link.asset_version} was approved in SageMaker but not in Steward",
                description=f"{where} as Approved; Steward has it {link.asset_version.get_stage_display()}.",
                effects=effects,
            )
        elif event == "sagemaker.Rejected" and stage in {VersionStage.APPROVED, VersionStage.DEPLOYED}:
            raise_registry_finding(
                connection,
                link,
                ref=finding_ref(connection, data["arn"], "Rejected"),
                severity=Severity.MEDIUM,
                title=f"{link.asset_version} was rejected in SageMaker but is {stage} in Steward",
                description=f"{where} as Rejected.",
                effects=effects,
            )
        elif event == "version.deployed":
            deploy_from_registry(
                connection,
                link,
                where + " as deployed",
                ref=finding_ref(connection, data["model"], data["version"], "deployed"),
                effects=effects,
            )
        elif event == "version.undeployed":
            undeploy_from_registry(connection, link, where + " as taken out of production", effects)
        elif event == "version.suspended" and stage == VersionStage.DEPLOYED:
            transition(
                link.asset_version,
                VersionStage.SUSPENDED,
                actor=registry_actor(connection),
                reason=f"{where} as suspended: {data['reason']}",
            )
            effects.append(f"suspended {link.asset_version}")
        return _finish(
            delivery,
            connection,
            _done(f"{event}: {link.asset_version} is {link.asset_version.stage}", effects),
        )


APPLY: dict[str, Callable[[RegistryConnection, ParsedEvent, WebhookDelivery], Outcome]] = {
    "mlflow": _apply_mlflow,
    "sagemaker": _apply_pushed,
    "generic": _apply_pushed,
}


# --- bookkeeping ---------------------------------------------------------------------------------------
def _finish(delivery: WebhookDelivery, connection: RegistryConnection, outcome: Outcome) -> Outcome:
    """Inside the applying transaction: mark the delivery done, then the audit event (last)."""
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=outcome.status,
        result=outcome.result[:2000],
        error="",
        processed_at=timezone.now(),
        lease_until=None,
    )
    if outcome.effects:
        record_event(
            AuditAction.DELIVERY_PROCESSED,
            actor=registry_actor(connection),
            obj=connection,
            payload={"delivery": delivery.delivery_id, "event": delivery.event, "effects": outcome.effects},
        )
    return outcome


def _finish_alone(delivery: WebhookDelivery, outcome: Outcome) -> Outcome:
    with transaction.atomic():
        return _finish(delivery, delivery.connection, outcome)


def claim(delivery_id: int) -> WebhookDelivery | None:
    """Compare-and-set: take a delivery that is due, or whose previous worker's lease has expired."""
    now = timezone.now()
    due = Q(status__in=[DeliveryStatus.RECEIVED, DeliveryStatus.RETRY], next_attempt_at__lte=now) | Q(
        status=DeliveryStatus.PROCESSING, lease_until__lt=now
    )
    claimed = WebhookDelivery.objects.filter(due, pk=delivery_id).update(
        status=DeliveryStatus.PROCESSING,
        lease_until=now + timedelta(seconds=settings.STEWARD_TASK_LEASE_SECONDS),
        attempts=F("attempts") + 1,
    )
    if not claimed:
        return None
    return WebhookDelivery.objects.select_related("connection").get(pk=delivery_id)


def process(delivery_id: int) -> str:
    """Claim and apply one delivery; schedule a retry when the registry could not be reached."""
    delivery = claim(delivery_id)
    if delivery is None:
        return "not due or already processed"
    connection = delivery.connection
    try:
        parsed = PARSERS[connection.kind](bytes(delivery.body))
        return APPLY[connection.kind](connection, parsed, delivery).result
    except BadEvent as exc:
        _fail(delivery, DeliveryStatus.REJECTED, str(exc))
        return f"rejected: {exc}"
    except (RegistryError, SecretUnavailable, Exception) as exc:
        retryable = not isinstance(exc, RegistryError | SecretUnavailable) or (
            isinstance(exc, RegistryError) and exc.retryable
        )
        if not isinstance(exc, RegistryError | SecretUnavailable):
            logger.exception("processing delivery %s failed", delivery.pk)
        if not retryable or delivery.attempts >= settings.STEWARD_INBOX_MAX_ATTEMPTS:
            _fail(delivery, DeliveryStatus.FAILED, str(exc))
            return f"failed: {exc}"
        delay = min(settings.STEWARD_OUTBOX_BACKOFF_SECONDS * 2 ** (delivery.attempts - 1), 3600)
        _fail(delivery, DeliveryStatus.RETRY, str(exc), delay)
        from governance.integrations.tasks import process_delivery

        process_delivery.apply_async(args=[delivery.pk], countdown=delay)
        return f"retry in {delay} s: {exc}"


def _fail(delivery: WebhookDelivery, status: str, error: str, delay: float = 0) -> None:
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=status,
        error=error[:2000],
        lease_until=None,
        next_attempt_at=timezone.now() + timedelta(seconds=delay),
        processed_at=timezone.now() if status != DeliveryStatus.RETRY else None,
    )
