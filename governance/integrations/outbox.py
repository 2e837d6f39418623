"""Decisions back out (DESIGN §6): outbox rows written in the decision's transaction, sent by a task.

A message lists idempotent registry calls (tags, aliases). Messages of one registry version are sent
strictly in order, retried with exponential backoff, and given up after STEWARD_OUTBOX_MAX_ATTEMPTS
(visible per connection, retried by hand). Incoming tag/alias events that match an operation Steward
wrote recently are its own echoes; any other write of a `steward.*` tag becomes a finding.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from governance.integrations.crypto import SecretUnavailable
from governance.integrations.mlflow_client import MlflowClient, RegistryError
from governance.integrations.models import (
    OutboxMessage,
    OutboxOp,
    OutboxOperation,
    OutboxStatus,
    RegistryConnection,
    RegistryKind,
    RegistryVersionLink,
)
from lifecycle.hooks import TransitionEvent
from lifecycle.stages import VersionStage

logger = logging.getLogger(__name__)

TAG_PREFIX = "steward."
STAGE_TAG, APPROVAL_TAG, STATUS_TAG = "steward.stage", "steward.approval", "steward.status"
# Stage changes that are decisions the registry must hear about (DESIGN §6).
ANNOUNCED = frozenset(
    {
        VersionStage.APPROVED,
        VersionStage.REJECTED,
        VersionStage.DEPLOYED,
        VersionStage.SUSPENDED,
        VersionStage.DEPRECATED,
        VersionStage.RETIRED,
    }
)
Op = tuple[str, str, str]  # (op, key, value)


def version_page(link: RegistryVersionLink) -> str:
    version = link.asset_version
    try:
        path = version.get_absolute_url()
    except Exception:  # the UI may not be installed; the API address identifies the version too
        path = reverse("api-version-detail", args=[version.pk])
    return settings.STEWARD_BASE_URL + path


def ops_for_stage(connection: RegistryConnection, link: RegistryVersionLink, stage: str) -> list[Op]:
    """The registry calls that tell `connection` a version is now in `stage`."""
    ops: list[Op] = [(OutboxOp.SET_TAG, STAGE_TAG, stage)]
    when = timezone.now().date().isoformat()
    if stage in {VersionStage.APPROVED, VersionStage.REJECTED}:
        ops.append((OutboxOp.SET_TAG, APPROVAL_TAG, f"{stage} in Steward on {when}: {version_page(link)}"))
    if stage == VersionStage.APPROVED:
        if connection.approved_alias:
            ops.append((OutboxOp.SET_ALIAS, connection.approved_alias, ""))
        if link.blocked_at is not None:
            ops.append((OutboxOp.DELETE_TAG, STATUS_TAG, ""))
    if (
        stage == VersionStage.DEPLOYED
        and connection.manage_production_alias
        and connection.production_aliases
    ):
        ops.append((OutboxOp.SET_ALIAS, connection.production_aliases[0], ""))
    if stage in {VersionStage.SUSPENDED, VersionStage.DEPRECATED, VersionStage.RETIRED}:
        if connection.manage_production_alias:
            ops.extend((OutboxOp.DELETE_ALIAS, alias, "") for alias in connection.production_aliases)
        if connection.approved_alias:
            ops.append((OutboxOp.DELETE_ALIAS, connection.approved_alias, ""))
    return ops


def write_message(
    connection: RegistryConnection, link: RegistryVersionLink, reason: str, ops: list[Op], *, step=None
) -> OutboxMessage:
    """Write one message and its operations; the send is enqueued when the transaction commits."""
    message = OutboxMessage.objects.create(
        connection=connection, version_link=link, transition=step, reason=reason
    )
    OutboxOperation.objects.bulk_create(
        OutboxOperation(message=message, position=i, op=op, key=key, value=value)
        for i, (op, key, value) in enumerate(ops)
    )
    transaction.on_commit(partial(enqueue_send, message.pk))
    return message


def enqueue_send(message_id: int, countdown: float = 0) -> None:
    from governance.integrations.tasks import send_outbox_message

    send_outbox_message.apply_async(args=[message_id], countdown=countdown)


def announce_transition(event: TransitionEvent) -> None:
    """lifecycle.hooks listener: a registry-linked version changed stage → outbox message (same txn)."""
    if event.version is None or event.target not in ANNOUNCED:
        return
    link = (
        RegistryVersionLink.objects.select_related("connection")
        .filter(
            asset_version_id=event.version.pk, connection__kind=RegistryKind.MLFLOW, connection__enabled=True
        )
        .first()
    )
    if link is None:
        return
    link.asset_version = event.version
    message = write_message(
        link.connection,
        link,
        f"version {event.target}",
        ops_for_stage(link.connection, link, event.target),
        step=event.step,
    )
    if event.target == VersionStage.APPROVED and link.blocked_at is not None:
        RegistryVersionLink.objects.filter(pk=link.pk).update(blocked_at=None)
    logger.info("outbox message %s for %s → %s", message.pk, link, event.target)


def write_block(connection: RegistryConnection, link: RegistryVersionLink) -> None:
    """Tag a version `steward.status=blocked` in the registry (an unapproved version in production)."""
    link.blocked_at = timezone.now()
    link.save(update_fields=["blocked_at"])
    write_message(
        connection,
        link,
        "blocked: unapproved version in production",
        [(OutboxOp.SET_TAG, STATUS_TAG, "blocked")],
    )


def write_restore(connection: RegistryConnection, link: RegistryVersionLink, foreign_key: str) -> None:
    """Put Steward's own `steward.*` tags back after someone else changed them."""
    stage = link.asset_version.stage
    ops: list[Op] = [(OutboxOp.SET_TAG, STAGE_TAG, stage)]
    if stage in {
        VersionStage.APPROVED,
        VersionStage.DEPLOYED,
        VersionStage.SUSPENDED,
        VersionStage.DEPRECATED,
    }:
        ops.append((OutboxOp.SET_TAG, APPROVAL_TAG, f"approved in Steward: {version_page(link)}"))
    elif stage == VersionStage.REJECTED:
        ops.append((OutboxOp.SET_TAG, APPROVAL_TAG, f"rejected in Steward: {version_page(link)}"))
    else:
        ops.append((OutboxOp.DELETE_TAG, APPROVAL_TAG, ""))
    ops.append(
        (OutboxOp.SET_TAG, STATUS_TAG, "blocked")
        if link.blocked_at
        else (OutboxOp.DELETE_TAG, STATUS_TAG, "")
    )
    if foreign_key not in {key for _, key, _ in ops}:
        ops.append((OutboxOp.DELETE_TAG, foreign_key, ""))
    write_message(connection, link, f"restore Steward's tags after a foreign write of {foreign_key}", ops)


# --- echo recognition ------------------------------------------------------------------------------------
def is_echo(
    connection: RegistryConnection,
    model: str,
    op: str,
    key: str,
    *,
    version: str | None = None,
    value: str | None = None,
) -> bool:
    """Did Steward itself just write this? Matches an incoming event against recent outbox operations.

    Only messages still being sent, or sent within STEWARD_OUTBOX_ECHO_MINUTES, count: MLflow
    delivers within seconds (plus ~100 s of retries), and an old write of the same value by Steward
    must not excuse someone else's write now.
    """
    now = timezone.now()
    recent = Q(message__sent_at__isnull=True, message__created_at__gte=now - timedelta(days=1)) | Q(
        message__sent_at__gte=now - timedelta(minutes=settings.STEWARD_OUTBOX_ECHO_MINUTES)
    )
    ops = OutboxOperation.objects.filter(
        recent, message__connection=connection, message__version_link__model_name=model, op=op, key=key
    )
    if version is not None:
        ops = ops.filter(message__version_link__version=version)
    if value is not None:
        ops = ops.filter(value=value)
    return ops.exists()


# --- sending ---------------------------------------------------------------------------------------------
def _backoff(attempts: int) -> float:
    return float(min(settings.STEWARD_OUTBOX_BACKOFF_SECONDS * 2 ** max(attempts - 1, 0), 3600))


def claim(message_id: int) -> OutboxMessage | None:
    """Compare-and-set: take a due message whose earlier siblings (same version) are all sent."""
    now = timezone.now()
    earlier_unsent = OutboxMessage.objects.filter(
        version_link_id=OuterRef("version_link_id"), pk__lt=OuterRef("pk")
    ).exclude(status=OutboxStatus.SENT)
    due = Q(status=OutboxStatus.PENDING, next_attempt_at__lte=now) | Q(
        status=OutboxStatus.SENDING, lease_until__lt=now
    )
    claimed = (
        OutboxMessage.objects.filter(due, pk=message_id)
        .exclude(Exists(earlier_unsent))
        .update(
            status=OutboxStatus.SENDING,
            lease_until=now + timedelta(seconds=settings.STEWARD_TASK_LEASE_SECONDS),
        )
    )
    if not claimed:
        return None
    return OutboxMessage.objects.select_related("connection", "version_link").get(pk=message_id)


def _perform(client: MlflowClient, link: RegistryVersionLink, operation: OutboxOperation) -> None:
    name, number = link.model_name, link.version
    if operation.op == OutboxOp.SET_TAG:
        client.set_tag(name, number, operation.key, operation.value)
    elif operation.op == OutboxOp.DELETE_TAG:
        client.delete_tag(name, number, operation.key)
    elif operation.op == OutboxOp.SET_ALIAS:
        client.set_alias(name, operation.key, number)
    elif operation.op == OutboxOp.DELETE_ALIAS:
        client.delete_alias_if_at(name, operation.key, number)


def send(message_id: int) -> str:
    """Send one claimed message; on failure schedule a retry or give up. Returns what happened."""
    message = claim(message_id)
    if message is None:
        return "not due, already sent, or waiting for an earlier message"
    attempts = message.attempts + 1
    try:
        with MlflowClient(message.connection) as client:
            for operation in message.operations.all():
                _perform(client, message.version_link, operation)
    except (RegistryError, SecretUnavailable) as exc:
        retryable = isinstance(exc, RegistryError) and exc.retryable
        give_up = not retryable or attempts >= settings.STEWARD_OUTBOX_MAX_ATTEMPTS
        delay = _backoff(attempts)
        OutboxMessage.objects.filter(pk=message.pk).update(
            status=OutboxStatus.FAILED if give_up else OutboxStatus.PENDING,
            attempts=attempts,
            last_error=str(exc)[:2000],
            lease_until=None,
            next_attempt_at=timezone.now() + timedelta(seconds=delay),
        )
        logger.warning("outbox message %s attempt %s failed: %s", message.pk, attempts, exc)
        if give_up:
            return f"failed: {exc}"
        enqueue_send(message.pk, countdown=delay)
        return f"retry in {delay:.0f} s: {exc}"
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=OutboxStatus.SENT, attempts=attempts, sent_at=timezone.now(), lease_until=None, last_error=""
    )
    following = (
        OutboxMessage.objects.filter(
            version_link_id=message.version_link_id, pk__gt=message.pk, status=OutboxStatus.PENDING
        )
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )
    if following is not None:
        enqueue_send(following)
    return "sent"


@transaction.atomic
def retry_message(message: OutboxMessage) -> None:
    """Put a failed message back in the queue now (an administrator's action)."""
    OutboxMessage.objects.filter(pk=message.pk, status=OutboxStatus.FAILED).update(
        status=OutboxStatus.PENDING, next_attempt_at=timezone.now(), attempts=0
    )
    transaction.on_commit(partial(enqueue_send, message.pk))
