"""Connection services (administrators): create, change, rotate the webhook secret, map models, retry.

Each write is one transaction ending with its audit event. Secrets are encrypted before they are
stored; the webhook secret is returned once, at creation or rotation, and never again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from governance.accounts.models import User
from governance.accounts.roles import Role
from governance.audit.actors import Actor
from governance.audit.event_types import AuditAction
from governance.audit.ledger import record_event
from governance.integrations.crypto import encrypt_secret, new_webhook_secret
from governance.integrations.errors import IntegrationStateError
from governance.integrations.models import (
    CallbackAuth,
    OutboxMessage,
    OutboxStatus,
    RegistryConnection,
    RegistryKind,
    RegistryModelLink,
)
from governance.inventory.models import Asset

SETTINGS_FIELDS = (
    "name",
    "kind",
    "registry_url",
    "callback_auth",
    "team",
    "default_owner",
    "service_user",
    "mapping",
    "default_ai_act_category",
    "default_materiality_tier",
    "production_aliases",
    "approved_alias",
    "manage_production_alias",
    "enabled",
)
ALIAS_MAX = 100


def require_admin(actor: Actor) -> User:
    user = actor.user
    if actor.kind == "system":
        return user  # type: ignore[return-value]
    if user is None or actor.is_integration or not user.has_role(Role.ADMIN):
        raise PermissionDenied("Only administrators manage registry connections.")
    return user


def _snapshot(connection: RegistryConnection) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in SETTINGS_FIELDS:
        value = getattr(connection, name)
        values[name] = (
            getattr(value, "pk", value) if name in {"team", "default_owner", "service_user"} else value
        )
    return values


def _clean(connection: RegistryConnection) -> None:
    aliases = connection.production_aliases
    if not isinstance(aliases, list) or not all(
        isinstance(a, str) and 0 < len(a) <= ALIAS_MAX for a in aliases
    ):
        raise ValidationError({"production_aliases": "Give a list of alias names (1-100 characters each)."})
    connection.production_aliases = list(dict.fromkeys(a.strip() for a in aliases))
    if connection.approved_alias and connection.approved_alias in connection.production_aliases:
        raise ValidationError({"approved_alias": "The approval alias cannot also be a production alias."})
    if connection.kind == RegistryKind.MLFLOW and not connection.registry_url:
        raise ValidationError({"registry_url": "An MLflow connection needs the registry's URL."})
    if connection.kind != RegistryKind.MLFLOW and connection.service_user_id is None:
        raise ValidationError(
            {
                "service_user": (
                    "SageMaker and generic connections need the user whose integration tokens send events."
                )
            }
        )
    connection.full_clean(exclude=["webhook_secret_encrypted", "callback_token_encrypted", "created_by"])
    if RegistryConnection.objects.filter(name__iexact=connection.name).exclude(pk=connection.pk).exists():
        raise ValidationError({"name": "Another connection has this name."})


@dataclass(frozen=True)
class CreatedConnection:
    connection: RegistryConnection
    webhook_secret: str  # shown once


@transaction.atomic
def create_connection(*, actor: Actor, callback_token: str = "", **fields: Any) -> CreatedConnection:
    """Create a connection with a fresh webhook secret (returned once, stored encrypted)."""
    user = require_admin(actor)
    unknown = set(fields) - set(SETTINGS_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, "Unknown field."))
    secret = new_webhook_secret()
    connection = RegistryConnection(
        webhook_secret_encrypted=encrypt_secret(secret),
        callback_token_encrypted=encrypt_secret(callback_token),
        created_by=user or fields.get("default_owner"),
        **fields,
    )
    if callback_token and connection.callback_auth == CallbackAuth.NONE:
        connection.callback_auth = CallbackAuth.BEARER
    _clean(connection)
    connection.save()
    record_event(
        AuditAction.CONNECTION_CREATED,
        actor=actor,
        obj=connection,
        payload={"new": _snapshot(connection) | {"callback_token": "set" if callback_token else "none"}},
    )
    return CreatedConnection(connection, secret)


@transaction.atomic
def update_connection(
    *, actor: Actor, connection: RegistryConnection, callback_token: str | None = None, **changes: Any
) -> RegistryConnection:
    """Change a connection's settings (and, if given, its callback token); records old and new values."""
    require_admin(actor)
    unknown = set(changes) - set(SETTINGS_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, "This field cannot be changed here."))
    connection = RegistryConnection.objects.select_for_update().get(pk=connection.pk)
    old = _snapshot(connection)
    for name, value in changes.items():
        setattr(connection, name, value)
    _clean(connection)
    new = _snapshot(connection)
    changed = {k for k in new if old[k] != new[k]}
    if callback_token is not None:
        connection.callback_token_encrypted = encrypt_secret(callback_token)
    if not changed and callback_token is None:
        return connection
    connection.updated_at = timezone.now()
    connection.save()
    payload_old, payload_new = {k: old[k] for k in changed}, {k: new[k] for k in changed}
    if callback_token is not None:
        payload_old["callback_token"], payload_new["callback_token"] = "(hidden)", "replaced"
    record_event(
        AuditAction.CONNECTION_UPDATED,
        actor=actor,
        obj=connection,
        payload={"old": payload_old, "new": payload_new},
    )
    return connection


@transaction.atomic
def rotate_webhook_secret(*, actor: Actor, connection: RegistryConnection) -> str:
    """Replace the webhook secret; the new one is returned once. Deliveries signed with the old one fail."""
    require_admin(actor)
    secret = new_webhook_secret()
    RegistryConnection.objects.filter(pk=connection.pk).update(
        webhook_secret_encrypted=encrypt_secret(secret), updated_at=timezone.now()
    )
    record_event(
        AuditAction.CONNECTION_UPDATED,
        actor=actor,
        obj=connection,
        payload={"new": {"webhook_secret": "rotated"}},
    )
    return secret


@transaction.atomic
def map_model(*, actor: Actor, link: RegistryModelLink, asset: Asset) -> RegistryModelLink:
    """Map a registered model to an asset of the connection's team; reconciliation imports its versions."""
    require_admin(actor)
    link = RegistryModelLink.objects.select_for_update().select_related("connection").get(pk=link.pk)
    if asset.team_id != link.connection.team_id:
        raise ValidationError({"asset": "Map registered models only to assets of the connection's team."})
    if link.asset_id == asset.pk:
        return link
    if link.versions.exists():
        raise ValidationError(
            {"asset": "This model already has versions in Steward; it cannot be re-mapped."}
        )
    old = link.asset.slug if link.asset else None
    link.asset = asset
    link.save(update_fields=["asset"])
    record_event(
        AuditAction.REGISTRY_MODEL_MAPPED,
        actor=actor,
        obj=link.connection,
        payload={"model": link.name, "old": {"asset": old}, "new": {"asset": asset.slug}},
    )
    return link


@transaction.atomic
def retry_outbox_message(*, actor: Actor, message: OutboxMessage) -> OutboxMessage:
    """Send a failed callback again from its first operation (administrators, after fixing the cause)."""
    from governance.integrations.outbox import retry_message

    require_admin(actor)
    if message.status != OutboxStatus.FAILED:
        raise IntegrationStateError("Only failed callbacks can be retried; the others are on their way.")
    retry_message(message)
    record_event(
        AuditAction.OUTBOX_RETRIED,
        actor=actor,
        obj=message.connection,
        payload={"message": message.pk, "reason": message.reason, "last_error": message.last_error[:500]},
    )
    message.refresh_from_db()
    return message
