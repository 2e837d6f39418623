"""Webhook intake: store every authentic delivery raw, once, then enqueue its processing on commit.

The caller has already authenticated the delivery (MLflow signature or integration token). The
row is written before anything acts on it; a repeated delivery id answers like the first one
without a second effect. Bad input is kept too (status `rejected`, with the reason), since the
sender was authentic.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial

from django.db import IntegrityError, transaction

from governance.integrations.events import PARSERS, BadEvent
from governance.integrations.models import DeliveryStatus, RegistryConnection, WebhookDelivery

# Headers worth keeping with the raw body (never Authorization or cookies).
KEPT_HEADERS = (
    "Content-Type",
    "User-Agent",
    "X-MLflow-Delivery-Id",
    "X-MLflow-Timestamp",
    "X-MLflow-Signature",
    "X-Request-ID",
)


@dataclass(frozen=True)
class Intake:
    """What happened to a delivery: stored (new) or a duplicate, and whether it was bad input."""

    delivery: WebhookDelivery
    duplicate: bool
    error: BadEvent | None = None


def _enqueue(delivery_id: int) -> None:
    from governance.integrations.tasks import process_delivery

    process_delivery.delay(delivery_id)


def receive(
    connection: RegistryConnection,
    delivery_id: str,
    body: bytes,
    headers: Mapping[str, str],
    *,
    content_type_ok: bool = True,
    extra_headers: dict[str, str] | None = None,
) -> Intake:
    """Store an authentic delivery raw (unique per connection and id) and enqueue it if it parses."""
    error: BadEvent | None = None
    event = ""
    if not content_type_ok:
        error = BadEvent("Send the event as Content-Type: application/json.", "unsupported_media_type", 415)
    else:
        try:
            event = PARSERS[connection.kind](body).event
        except BadEvent as exc:
            error = exc
    kept = {name: str(headers.get(name)) for name in KEPT_HEADERS if headers.get(name)} | (
        extra_headers or {}
    )
    try:
        with transaction.atomic():
            delivery = WebhookDelivery.objects.create(
                connection=connection,
                delivery_id=delivery_id[:200],
                event=event[:100],
                headers=kept,
                body=body,
                status=DeliveryStatus.REJECTED if error else DeliveryStatus.RECEIVED,
                error=str(error) if error else "",
            )
            if error is None:
                transaction.on_commit(partial(_enqueue, delivery.pk))
    except IntegrityError:
        # A retry or replay of a delivery already stored: answer as the first time, act no more.
        original = WebhookDelivery.objects.get(connection=connection, delivery_id=delivery_id[:200])
        first_error = None
        if original.status == DeliveryStatus.REJECTED:
            try:
                PARSERS[connection.kind](bytes(original.body))
                first_error = error
            except BadEvent as exc:
                first_error = exc
        return Intake(original, duplicate=True, error=first_error)
    return Intake(delivery, duplicate=False, error=error)
