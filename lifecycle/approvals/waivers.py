"""Waiver services: grant (approvers, independent of the object), revoke, flag expired ones."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from governance.accounts.roles import Role
from governance.audit.actors import Actor, ActorKind
from governance.audit.event_types import AuditAction
from governance.audit.ledger import record_event
from governance.inventory.models import Asset, AssetVersion
from lifecycle.approvals.rules import separation_reasons
from lifecycle.gates import Gate
from lifecycle.models import Waiver
from lifecycle.notifications import notify_waiver


def may_grant(actor: Actor, asset: Asset, version: AssetVersion | None) -> list[str]:
    """Why `actor` may not grant a waiver on this object ([] = may): approvers outside its team and work."""
    user = actor.user
    if actor.is_integration or user is None or not user.is_active:
        return ["Only an approver may grant waivers."]
    if not user.has_role(Role.APPROVER):
        return ["Only an approver may grant waivers."]
    return separation_reasons(user, asset, version)


@transaction.atomic
def grant_waiver(
    *,
    actor: Actor,
    gate: str,
    asset: Asset,
    version: AssetVersion | None = None,
    justification: str,
    expires_at: datetime | None,
) -> Waiver:
    """Waive one gate for one object until `expires_at` (required, in the future, within the maximum)."""
    errors: dict[str, str] = {}
    if gate not in Gate.values:
        errors["gate"] = f"Unknown gate; choose one of: {', '.join(Gate.values)}."
    if not justification or not justification.strip():
        errors["justification"] = "A waiver needs a justification."
    now = timezone.now()
    longest = timedelta(days=settings.STEWARD_WAIVER_MAX_DAYS)
    if expires_at is None:
        errors["expires_at"] = "A waiver needs an expiry date."
    elif expires_at <= now:
        errors["expires_at"] = "The expiry must be in the future."
    elif expires_at > now + longest:
        errors["expires_at"] = f"A waiver may last at most {longest.days} days."
    if version is not None and version.asset_id != asset.pk:
        errors["version"] = "The version does not belong to this asset."
    if errors:
        raise ValidationError(errors)
    refused = may_grant(actor, asset, version)
    if refused:
        raise PermissionDenied(" ".join(refused))
    if not (actor.user is not None and expires_at is not None):
        raise RuntimeError("invariant broken: actor.user is not None and expires_at is not None")
    waiver = Waiver.objects.create(
        gate=gate,
        asset=asset,
        version=version,
        justification=justification.strip(),
        granted_by=actor.user,
        granted_by_name=actor.name,
        granted_at=now,
        expires_at=expires_at,
    )
    notify_waiver(waiver, "granted")
    record_event(
        AuditAction.WAIVER_GRANTED,
        actor=actor,
        obj=waiver,
        payload={
            "gate": gate,
            "asset": asset.slug,
            "version": version.label if version else None,
            "justification": waiver.justification,
            "expires_at": expires_at,
        },
    )
    return waiver


@transaction.atomic
def revoke_waiver(*, actor: Actor, waiver: Waiver, reason: str) -> Waiver:
    """End a waiver early (approvers and administrators); a reason is required."""
    waiver = (
        Waiver.objects.select_for_update(of=("self",)).select_related("asset", "version").get(pk=waiver.pk)
    )
    user = actor.user
    if actor.is_integration or user is None or not user.has_role(Role.APPROVER, Role.ADMIN):
        raise PermissionDenied("Only approvers and administrators may revoke waivers.")
    if not reason.strip():
        raise ValidationError({"reason": "Say why the waiver is revoked."})
    if waiver.revoked_at is not None:
        raise ValidationError({"waiver": "This waiver is already revoked."})
    waiver.revoked_at = timezone.now()
    waiver.revoked_by_name = actor.name
    waiver.revoke_reason = reason.strip()
    waiver.save(update_fields=["revoked_at", "revoked_by_name", "revoke_reason"])
    record_event(
        AuditAction.WAIVER_REVOKED,
        actor=actor,
        obj=waiver,
        payload={"gate": waiver.gate, "asset": waiver.asset.slug, "reason": waiver.revoke_reason},
    )
    return waiver


SWEEP_ACTOR = Actor(ActorKind.SYSTEM, "approvals_sweep", "approvals_sweep")


@transaction.atomic
def flag_expired_waiver(waiver_id: int) -> bool:
    """Flag one waiver that ran out (the object shows it; people are told); idempotent."""
    waiver = (
        Waiver.objects.select_for_update(of=("self",)).select_related("asset", "version").get(pk=waiver_id)
    )
    if waiver.expiry_flagged_at is not None or waiver.revoked_at is not None:
        return False
    if waiver.expires_at > timezone.now():
        return False
    waiver.expiry_flagged_at = timezone.now()
    waiver.save(update_fields=["expiry_flagged_at"])
    notify_waiver(waiver, "expired")
    record_event(
        AuditAction.WAIVER_EXPIRED,
        actor=SWEEP_ACTOR,
        obj=waiver,
        payload={"gate": waiver.gate, "asset": waiver.asset.slug, "expired_at": waiver.expires_at},
    )
    return True


@transaction.atomic
def remind_expiring_waiver(waiver_id: int) -> bool:
    """Tell the owner and the granter that a waiver expires soon; once per waiver (idempotent)."""
    waiver = (
        Waiver.objects.select_for_update(of=("self",)).select_related("asset", "version").get(pk=waiver_id)
    )
    now = timezone.now()
    if waiver.expiry_reminded_at is not None or waiver.revoked_at is not None or waiver.expires_at <= now:
        return False
    waiver.expiry_reminded_at = now
    waiver.save(update_fields=["expiry_reminded_at"])
    notify_waiver(waiver, "expiring")
    return True


def remind_expiring_waivers() -> int:
    horizon = timezone.now() + timedelta(days=settings.STEWARD_FINDING_REMINDER_DAYS)
    due = Waiver.objects.filter(
        expiry_reminded_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
        expires_at__lte=horizon,
    ).values_list("pk", flat=True)
    return sum(remind_expiring_waiver(pk) for pk in list(due))


def flag_expired_waivers() -> int:
    due = Waiver.objects.filter(
        expiry_flagged_at__isnull=True, revoked_at__isnull=True, expires_at__lte=timezone.now()
    ).values_list("pk", flat=True)
    return sum(flag_expired_waiver(pk) for pk in list(due))
