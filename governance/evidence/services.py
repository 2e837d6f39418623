"""Evidence services: upload (inspected before anything is stored), supersede, and download records.

Uploads are checked (size, emptiness, type by content) and hashed before the file reaches storage;
the file is written outside the transaction (slow I/O), and the row and audit event are written in
one transaction afterwards. If that transaction fails the stored file is removed again.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from governance.accounts.models import User
from governance.accounts.roles import Role
from governance.audit.actors import Actor, ActorKind
from governance.audit.event_types import AuditAction
from governance.audit.ledger import record_event
from governance.evidence.inspection import inspect_upload, safe_display_name
from governance.evidence.models import Evidence, EvidenceKind
from governance.inventory.errors import FrozenError
from governance.inventory.models import AssetVersion
from governance.inventory.services import may_edit_asset
from lifecycle.stages import FROZEN_VERSION_STAGES


def upload_refusal(user: User | None, version: AssetVersion) -> str | None:
    """Why `user` may not attach evidence to `version` (owners, and its claiming validator, may)."""
    if user is None or not user.is_active:
        return "Only a signed-in person may upload evidence."
    if may_edit_asset(user, version.asset):
        return None
    if user.has_role(Role.VALIDATOR) and version.validator_id == user.pk:
        return None
    return "Only the asset's owners or the version's claiming validator may upload or supersede its evidence."


def _require_uploader(actor: Actor, version: AssetVersion) -> None:
    if actor.kind == ActorKind.SYSTEM:
        return
    if actor.is_integration:
        raise PermissionDenied("Integration tokens cannot upload evidence.")
    refusal = upload_refusal(actor.user, version)
    if refusal:
        raise PermissionDenied(refusal)


def _check_writable(version: AssetVersion) -> None:
    if version.stage in FROZEN_VERSION_STAGES:
        raise FrozenError(
            f"Version {version.label} is {version.get_stage_display().lower()}: its evidence is read-only."
        )


def _payload(evidence: Evidence) -> dict[str, Any]:
    return {
        "asset": evidence.asset.slug,
        "version": evidence.version.label,
        "label": evidence.label,
        "kind": evidence.kind,
        "sha256": evidence.sha256,
        "size": evidence.size,
        "content_type": evidence.content_type,
        "original_name": evidence.original_name,
    }


def upload_evidence(
    *,
    actor: Actor,
    version: AssetVersion,
    file: Any,
    label: str,
    kind: str,
    supersedes: Evidence | None = None,
) -> Evidence:
    """Attach a file to `version`; refused before anything is stored when it is empty, too large or of a
    type (detected from its content) not in STEWARD_EVIDENCE_ALLOWED_TYPES.

    With `supersedes`, the older evidence (of the same version) is marked superseded by this one.
    Audit: `evidence.uploaded` (and `evidence.superseded` for the older file).
    """
    _require_uploader(actor, version)
    _check_writable(version)
    label = (label or "").strip()
    errors: dict[str, str] = {}
    if not label:
        errors["label"] = "Give the evidence a label."
    elif len(label) > 200:
        errors["label"] = "The label is longer than 200 characters."
    if kind not in EvidenceKind.values:
        errors["kind"] = f"Choose one of: {', '.join(EvidenceKind.values)}."
    if supersedes is not None and supersedes.version_id != version.pk:
        errors["supersedes"] = "Evidence can only supersede evidence of the same version."
    if errors:
        raise ValidationError(errors)
    facts = inspect_upload(
        file,
        max_bytes=settings.STEWARD_EVIDENCE_MAX_BYTES,
        allowed_types=settings.STEWARD_EVIDENCE_ALLOWED_TYPES,
    )
    evidence = Evidence(
        asset=version.asset,
        version=version,
        label=label,
        kind=kind,
        original_name=safe_display_name(getattr(file, "name", "") or "evidence"),
        content_type=facts.content_type,
        size=facts.size,
        sha256=facts.sha256,
        uploaded_by=actor.user or version.asset.owner,
        uploaded_by_name=actor.name,
    )
    evidence.file.save(secrets.token_hex(16), file, save=False)
    try:
        return _commit_upload(actor, evidence, supersedes)
    except BaseException:
        evidence.file.storage.delete(str(evidence.file.name))
        raise


@transaction.atomic
def _commit_upload(actor: Actor, evidence: Evidence, supersedes: Evidence | None) -> Evidence:
    version = AssetVersion.objects.select_for_update().select_related("asset").get(pk=evidence.version_id)
    _require_uploader(actor, version)
    _check_writable(version)
    evidence.uploaded_at = timezone.now()
    evidence.save(force_insert=True)
    older = None
    if supersedes is not None:
        older = Evidence.objects.select_for_update().get(pk=supersedes.pk)
        if not older.is_current:
            raise ValidationError({"supersedes": "That evidence has already been superseded."})
        older.superseded_by = evidence
        older.superseded_at = evidence.uploaded_at
        older.superseded_reason = f"Replaced by “{evidence.label}”."
        older.save(update_fields=["superseded_by", "superseded_at", "superseded_reason"])
    record_event(
        AuditAction.EVIDENCE_UPLOADED,
        actor=actor,
        obj=evidence,
        payload={"new": _payload(evidence), "supersedes": older.pk if older else None},
    )
    if older is not None:
        record_event(
            AuditAction.EVIDENCE_SUPERSEDED,
            actor=actor,
            obj=older,
            payload={"sha256": older.sha256, "superseded_by": evidence.pk, "reason": older.superseded_reason},
        )
    return evidence


@transaction.atomic
def supersede_evidence(*, actor: Actor, evidence: Evidence, reason: str) -> Evidence:
    """Withdraw evidence without a replacement: it stays, marked superseded with the reason."""
    version = AssetVersion.objects.select_for_update().select_related("asset").get(pk=evidence.version_id)
    _require_uploader(actor, version)
    _check_writable(version)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the evidence is superseded."})
    evidence = Evidence.objects.select_for_update().get(pk=evidence.pk)
    if not evidence.is_current:
        raise ValidationError({"reason": "This evidence has already been superseded."})
    evidence.superseded_at = timezone.now()
    evidence.superseded_reason = reason[:500]
    evidence.save(update_fields=["superseded_at", "superseded_reason"])
    record_event(
        AuditAction.EVIDENCE_SUPERSEDED,
        actor=actor,
        obj=evidence,
        payload={"sha256": evidence.sha256, "superseded_by": None, "reason": evidence.superseded_reason},
    )
    return evidence


def download_refusal(actor: Actor) -> str | None:
    """Machines do not fetch evidence files: they may hold personal data and serve people only."""
    if actor.is_integration:
        return "Integration tokens cannot download evidence files."
    return None


@transaction.atomic
def record_download(*, actor: Actor, evidence: Evidence) -> None:
    """Record that `actor` downloaded `evidence` (the caller has checked they may see its version)."""
    refusal = download_refusal(actor)
    if refusal:
        raise PermissionDenied(refusal)
    record_event(
        AuditAction.EVIDENCE_DOWNLOADED,
        actor=actor,
        obj=evidence,
        payload={"sha256": evidence.sha256, "version": evidence.version_id, "label": evidence.label},
    )
