"""Integration tasks: thin, take ids, idempotent (each claims its row with a compare-and-set update)."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from governance.integrations import outbox, processing, reconcile
from governance.integrations.models import (
    DeliveryStatus,
    OutboxMessage,
    OutboxStatus,
    RegistryConnection,
    RegistryKind,
    WebhookDelivery,
)


@shared_task(ignore_result=True)
def process_delivery(delivery_id: int) -> str:
    """Apply one stored delivery (no-op if another worker has it or it is done)."""
    return processing.process(delivery_id)


@shared_task(ignore_result=True)
def send_outbox_message(message_id: int) -> str:
    """Send one outbox message to its registry (in order per version; retries with backoff)."""
    return outbox.send(message_id)


@shared_task(ignore_result=True)
def reconcile_connection(connection_id: int) -> str:
    """Poll one MLflow connection and apply what its webhooks missed."""
    return reconcile.reconcile(connection_id)


@shared_task(ignore_result=True)
def reconcile_registries() -> int:
    """Beat: queue a reconciliation of every enabled MLflow connection."""
    ids = list(
        RegistryConnection.objects.filter(enabled=True, kind=RegistryKind.MLFLOW).values_list("pk", flat=True)
    )
    for pk in ids:
        reconcile_connection.delay(pk)
    return len(ids)


@shared_task(ignore_result=True)
def sweep_integrations() -> dict[str, int]:
    """Beat: re-queue inbox and outbox rows whose task was lost, whose retry is due or whose lease expired."""
    now = timezone.now()
    grace = now - timedelta(seconds=settings.STEWARD_SWEEP_GRACE_SECONDS)
    limit = settings.STEWARD_SWEEP_BATCH
    stale_deliveries = list(
        WebhookDelivery.objects.filter(
            Q(status=DeliveryStatus.RECEIVED, received_at__lt=grace)
            | Q(status=DeliveryStatus.RETRY, next_attempt_at__lt=grace)
            | Q(status=DeliveryStatus.PROCESSING, lease_until__lt=now)
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in stale_deliveries:
        process_delivery.delay(pk)
    stale_messages = list(
        OutboxMessage.objects.filter(
            Q(status=OutboxStatus.PENDING, next_attempt_at__lt=grace)
            | Q(status=OutboxStatus.SENDING, lease_until__lt=now)
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in stale_messages:
        send_outbox_message.delay(pk)
    return {"deliveries": len(stale_deliveries), "outbox": len(stale_messages)}
