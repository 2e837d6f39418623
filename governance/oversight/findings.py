"""Finding services: every source (validators, approval conditions, monitoring, registries) raises here;
status changes, edits, comments and links are each one audit event.

Who may do what (roles, ownership) is checked here; whether the object is visible at all is the
calling view's job (records do not import lifecycle)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from governance.accounts.models import User
from governance.accounts.roles import Role
from governance.audit.actors import Actor, ActorKind
from governance.audit.event_types import AuditAction
from governance.audit.ledger import record_event
from governance.inventory.models import Asset, AssetVersion
from governance.oversight.models import (
    Finding,
    FindingComment,
    FindingLink,
    FindingSource,
    FindingStatus,
    Severity,
)

# Roles that may raise findings about any asset they can see (owners raise them about their own).
RAISERS = (Role.VALIDATOR, Role.APPROVER, Role.COMPLIANCE, Role.ADMIN)


def _is_asset_owner(user: User, asset: Asset) -> bool:
    return user.has_role(Role.OWNER) and (asset.owner_id == user.pk or asset.team_id in user.team_ids)


def may_raise(actor: Actor, asset: Asset) -> bool:
    """Validators, approvers, compliance and admins raise findings; owners about their own assets;
    registries, monitoring and the system raise them through their own services."""
    if actor.kind in {ActorKind.SYSTEM, ActorKind.REGISTRY} or actor.is_integration:
        return True
    user = actor.user
    if user is None or not user.is_active:
        return False
    return user.has_role(*RAISERS) or _is_asset_owner(user, asset)


@transaction.atomic
def raise_finding(
    *,
    actor: Actor,
    asset: Asset,
    title: str,
    severity: str,
    version: AssetVersion | None = None,
    description: str = "",
    source: str = FindingSource.MANUAL,
    source_ref: str = "",
    owner: User | None = None,
    due_date: dt.date | None = None,
) -> Finding:
    """Open a finding on an asset (and optionally one of its versions); one audit event."""
    if not may_raise(actor, asset):
        raise PermissionDenied(
            "Only validators, approvers, compliance, admins or the asset's owners raise findings."
        )
    if not title.strip():
        raise ValidationError({"title": "A finding needs a title."})
    if version is not None and version.asset_id != asset.pk:
        raise ValidationError({"version": "The version does not belong to this asset."})
    if severity not in Severity.values:
        raise ValidationError({"severity": f"Choose one of: {', '.join(Severity.values)}."})
    finding = Finding(
        asset=asset,
        version=version,
        title=title.strip(),
        description=description,
        severity=severity,
        source=source,
        source_ref=source_ref,
        owner=owner or asset.owner,
        due_date=due_date,
        raised_by=actor.user,
        raised_by_name=actor.name,
    )
    finding.full_clean()
    finding.save()
    record_event(
        AuditAction.FINDING_RAISED,
        actor=actor,
        obj=finding,
        payload={
            "asset": asset.slug,
            "version": version.label if version else None,
            "title": finding.title,
            "severity": severity,
            "source": source,
            "source_ref": source_ref,
            "owner": finding.owner.username if finding.owner else None,
            "due_date": due_date,
        },
    )
    return finding


# Allowed status moves; who may take them is decided by status_change_reasons().
STATUS_MOVES: dict[str, frozenset[str]] = {
    FindingStatus.OPEN: frozenset(
        {FindingStatus.IN_REMEDIATION, FindingStatus.CLOSED, FindingStatus.RISK_ACCEPTED}
    ),
    FindingStatus.IN_REMEDIATION: frozenset(
        {FindingStatus.OPEN, FindingStatus.CLOSED, FindingStatus.RISK_ACCEPTED}
    ),
    FindingStatus.RISK_ACCEPTED: frozenset({FindingStatus.OPEN, FindingStatus.CLOSED}),
    FindingStatus.CLOSED: frozenset({FindingStatus.OPEN}),
}


def status_change_reasons(actor: Actor, finding: Finding, status: str) -> list[str]:
    """Why `actor` may not move `finding` to `status` ([] = may).

    Remediation is the owners' (the finding's owner, the asset's owners); closing and reopening are
    for validators and approvers (independent review) or whoever raised it; accepting a risk is for
    approvers outside the owning team only.
    """
    if status not in FindingStatus.values:
        return [f"Unknown status “{status}”."]
    if status not in STATUS_MOVES[finding.status]:
        return [
            f"A finding cannot go from {finding.get_status_display().lower()} "
            f"to {FindingStatus(status).label.lower()}."
        ]
    user = actor.user
    if actor.kind == ActorKind.SYSTEM:
        return []
    if user is None or not user.is_active or actor.is_integration:
        return ["Only a signed-in person may change a finding's status."]
    owner_side = finding.owner_id == user.pk or _is_asset_owner(user, finding.asset)
    reviewer = user.has_role(Role.VALIDATOR, Role.APPROVER) and finding.asset.team_id not in user.team_ids
    if status == FindingStatus.RISK_ACCEPTED:
        if not user.has_role(Role.APPROVER) or finding.asset.team_id in user.team_ids:
            return ["Only an approver outside the owning team may accept a risk."]
        return []
    if status == FindingStatus.IN_REMEDIATION:
        return (
            []
            if owner_side or reviewer
            else ["Only the finding's owners or a reviewer may start remediation."]
        )
    if reviewer or finding.raised_by_id == user.pk:
        return []
    return [
        "Only a validator or approver outside the owning team, or whoever raised it, may close or reopen it."
    ]


@transaction.atomic
def change_finding_status(
    *, actor: Actor, finding: Finding, status: str, note: str, accepted_until: dt.date | None = None
) -> Finding:
    """Move a finding's status with a note (kept as a comment); risk acceptance needs a future date."""
    finding = Finding.objects.select_for_update(of=("self",)).select_related("asset").get(pk=finding.pk)
    if not note.strip():
        raise ValidationError({"note": "Say why the status changes."})
    reasons = status_change_reasons(actor, finding, status)
    if reasons:
        if status not in FindingStatus.values or status not in STATUS_MOVES[finding.status]:
            raise ValidationError({"status": reasons})
        raise PermissionDenied(" ".join(reasons))
    today = timezone.now().date()
    if status == FindingStatus.RISK_ACCEPTED:
        if accepted_until is None or accepted_until <= today:
            raise ValidationError({"accepted_until": "Risk is accepted until a future date."})
    elif accepted_until is not None:
        raise ValidationError({"accepted_until": "Only a risk acceptance takes an end date."})
    old = {"status": finding.status, "risk_accepted_until": finding.risk_accepted_until}
    finding.status = status
    finding.updated_at = timezone.now()
    if status == FindingStatus.RISK_ACCEPTED:
        finding.risk_accepted_by, finding.risk_accepted_until = actor.user, accepted_until
    else:
        finding.risk_accepted_by, finding.risk_accepted_until = None, None
    finding.closed_at = finding.updated_at if status == FindingStatus.CLOSED else None
    finding.save()
    FindingComment.objects.create(
        finding=finding,
        author=actor.user,
        author_name=actor.name,
        body=note.strip(),
        status_change=f"{old['status']} → {status}",
    )
    record_event(
        AuditAction.FINDING_STATUS_CHANGED,
        actor=actor,
        obj=finding,
        payload={
            "old": old,
            "new": {"status": status, "risk_accepted_until": finding.risk_accepted_until},
            "note": note.strip(),
        },
    )
    return finding


EDITABLE = ("title", "description", "severity", "owner", "due_date")


def may_edit(actor: Actor, finding: Finding) -> bool:
    user = actor.user
    if actor.kind == ActorKind.SYSTEM:
        return True
    if user is None or actor.is_integration or not user.is_active:
        return False
    return finding.raised_by_id == user.pk or user.has_role(Role.VALIDATOR, Role.APPROVER, Role.ADMIN)


@transaction.atomic
def update_finding(*, actor: Actor, finding: Finding, **changes: Any) -> Finding:
    """Edit a finding's description fields (whoever raised it, reviewers, admins); old and new recorded."""
    finding = Finding.objects.select_for_update(of=("self",)).select_related("asset").get(pk=finding.pk)
    if not may_edit(actor, finding):
        raise PermissionDenied("Only whoever raised a finding, validators, approvers or admins may edit it.")
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, "This field cannot be changed here."))
    if "severity" in changes and changes["severity"] not in Severity.values:
        raise ValidationError({"severity": f"Choose one of: {', '.join(Severity.values)}."})
    old = {k: getattr(finding, k) for k in changes}
    for name, value in changes.items():
        setattr(finding, name, value)
    finding.full_clean()
    new = {k: getattr(finding, k) for k in changes}
    changed = [k for k in changes if old[k] != new[k]]
    if not changed:
        return finding
    finding.updated_at = timezone.now()
    finding.save()

    def show(value: Any) -> Any:
        return value.get_username() if isinstance(value, User) else value

    record_event(
        AuditAction.FINDING_UPDATED,
        actor=actor,
        obj=finding,
        payload={"old": {k: show(old[k]) for k in changed}, "new": {k: show(new[k]) for k in changed}},
    )
    return finding


@transaction.atomic
def comment_on_finding(*, actor: Actor, finding: Finding, body: str) -> FindingComment:
    """Add a comment (anyone who may see the finding; the view checks that); one audit event."""
    if actor.user is None or actor.is_integration:
        raise PermissionDenied("Only people comment on findings.")
    if not body.strip():
        raise ValidationError({"body": "Write a comment."})
    comment = FindingComment.objects.create(
        finding=finding, author=actor.user, author_name=actor.name, body=body.strip()
    )
    record_event(
        AuditAction.FINDING_COMMENTED,
        actor=actor,
        obj=finding,
        payload={"comment": comment.pk, "body": comment.body},
    )
    return comment


@transaction.atomic
def link_to_finding(*, actor: Actor, finding: Finding, obj: Model) -> FindingLink:
    """Link a related object (evidence, a decision, another version…) to the finding; idempotent."""
    if not may_edit(actor, finding) and not (actor.user and _is_asset_owner(actor.user, finding.asset)):
        raise PermissionDenied("You may not link objects to this finding.")
    link, created = FindingLink.objects.get_or_create(
        finding=finding,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        defaults={"label": str(obj)[:300], "linked_by_name": actor.name},
    )
    if created:
        record_event(
            AuditAction.FINDING_UPDATED,
            actor=actor,
            obj=finding,
            payload={
                "old": {},
                "new": {"linked": {"type": link.object_type, "id": link.object_id, "label": link.label}},
            },
        )
    return link
