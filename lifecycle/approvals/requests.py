"""Opening and closing approval requests outside of decisions.

A request opens inside the transition that puts a version into `validated` (a transition listener),
when an asset is proposed (lifecycle.approvals.proposals), when a review falls due (reviews), or
again after it went stale (reopen_request). It is withdrawn when its object leaves the stage it was
about by another path (e.g. a deployed version under review is suspended).
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from governance.accounts.roles import Role
from governance.audit.actors import Actor
from governance.audit.event_types import AuditAction
from governance.audit.ledger import record_event
from governance.inventory.models import Asset, AssetVersion
from lifecycle.approvals.errors import NoPolicy, RequestNotOpen
from lifecycle.approvals.policies import matching_policy
from lifecycle.approvals.queries import open_request
from lifecycle.digest import DIGEST_VERSION, review_digest
from lifecycle.hooks import TransitionEvent
from lifecycle.models import ApprovalRequest, Purpose, RequestStatus
from lifecycle.notifications import notify_request_opened, notify_request_stale
from lifecycle.stages import ASSET, VERSION, AssetStage, VersionStage

# The stage an object must be in for a request of each purpose to stay open.
STAGE_FOR: dict[str, str] = {
    Purpose.PROPOSAL: AssetStage.PROPOSED,
    Purpose.APPROVAL: VersionStage.VALIDATED,
    Purpose.REVIEW: VersionStage.DEPLOYED,
}


def open_approval_request(
    obj: Asset | AssetVersion, purpose: str, *, actor: Actor, due_at: datetime | None = None
) -> ApprovalRequest:
    """Open a request pinned to the object's current review digest and its matching policy version.

    Runs inside the caller's transaction with the object locked; the database refuses a second open
    request for the same object.
    """
    version = obj if isinstance(obj, AssetVersion) else None
    asset = version.asset if version is not None else obj
    if not (isinstance(asset, Asset)):
        raise RuntimeError("invariant broken: isinstance(asset, Asset)")
    policy = matching_policy(asset)
    if policy is None:
        raise NoPolicy(
            "No approval policy covers this asset.",
            [f"No current policy matches category “{asset.ai_act_category}”, tier {asset.materiality_tier}."],
        )
    request = ApprovalRequest.objects.create(
        purpose=purpose,
        kind=VERSION if version is not None else ASSET,
        asset=asset,
        version=version,
        policy=policy,
        digest=review_digest(obj),
        digest_version=DIGEST_VERSION,
        opened_by=actor.user,
        opened_by_name=actor.name,
        due_at=due_at,
    )
    notify_request_opened(request)
    action = AuditAction.REVIEW_OPENED if purpose == Purpose.REVIEW else AuditAction.REQUEST_OPENED
    record_event(
        action,
        actor=actor,
        obj=request,
        payload={
            "request": request.pk,
            "purpose": purpose,
            "asset": asset.slug,
            "version": version.label if version else None,
            "policy": policy.key,
            "policy_version": policy.version,
            "digest": request.digest,
            "digest_version": DIGEST_VERSION,
        },
    )
    return request


def close_request(request: ApprovalRequest, status: str, *, actor: Actor, note: str = "") -> None:
    """Close a locked open request (approved, rejected, sent back, stale, withdrawn); one audit event."""
    request.status = status
    request.closed_at = timezone.now()
    request.outcome_note = note
    request.save(update_fields=["status", "closed_at", "outcome_note"])
    action = AuditAction.REQUEST_STALE if status == RequestStatus.STALE else AuditAction.REQUEST_CLOSED
    record_event(
        action,
        actor=actor,
        obj=request,
        payload={"request": request.pk, "old": RequestStatus.OPEN, "new": status, "note": note},
    )


def mark_stale(request: ApprovalRequest, *, actor: Actor, current_digest: str) -> None:
    """The material changed since the request opened: nobody may decide on it any more."""
    note = (
        f"The reviewed material changed: pinned digest {request.digest[:12]}…, now {current_digest[:12]}…. "
        "Decisions signed so far stay on record; a new request is needed."
    )
    notify_request_stale(request, note)
    close_request(request, RequestStatus.STALE, actor=actor, note=note)


@transaction.atomic
def check_request_digest(request_id: int, *, actor: Actor) -> bool:
    """Mark an open request stale if its object's digest moved (periodic sweep); True if it did."""
    request = ApprovalRequest.objects.select_related("asset", "version").get(pk=request_id)
    subject = request.version or request.asset
    type(subject).objects.select_for_update().get(pk=subject.pk)
    request = ApprovalRequest.objects.select_for_update().get(pk=request_id)
    if request.status != RequestStatus.OPEN:
        return False
    current = review_digest(subject)
    if current == request.digest:
        return False
    mark_stale(request, actor=actor, current_digest=current)
    return True


def may_reopen(actor: Actor, obj: Asset | AssetVersion) -> bool:
    """The version's validator (re-confirming the material) or the asset's owners for a proposal."""
    user = actor.user
    if user is None or actor.is_integration or not user.is_active:
        return False
    if isinstance(obj, AssetVersion):
        return obj.validator_id == user.pk and user.has_role(Role.VALIDATOR)
    return user.has_role(Role.OWNER) and (obj.owner_id == user.pk or obj.team_id in user.team_ids)


@transaction.atomic
def reopen_request(obj: Asset | AssetVersion, *, actor: Actor) -> ApprovalRequest:
    """Open a fresh request after the last one went stale (or none was ever opened for a proposal)."""
    locked: Asset | AssetVersion = type(obj).objects.select_for_update().get(pk=obj.pk)
    expected: str
    if isinstance(locked, AssetVersion):
        locked.asset = Asset.objects.get(pk=locked.asset_id)
        purpose, expected = Purpose.APPROVAL, VersionStage.VALIDATED
    else:
        purpose, expected = Purpose.PROPOSAL, AssetStage.PROPOSED
    if not may_reopen(actor, locked):
        who = "the version's validator" if isinstance(locked, AssetVersion) else "the asset's owners"
        raise PermissionDenied(f"Only {who} may ask for approval again.")
    if locked.stage != expected:
        raise RequestNotOpen(f"Approval can be requested only in stage “{expected}”, not “{locked.stage}”.")
    if open_request(locked) is not None:
        raise RequestNotOpen("An approval request is already open for this object.")
    return open_approval_request(locked, purpose, actor=actor)


def on_transition(event: TransitionEvent) -> None:
    """Transition listener: open the approval request on `validated`; withdraw requests whose object
    left the stage they were about by another path."""
    obj: Asset | AssetVersion = event.version if event.version is not None else event.asset
    existing = open_request(obj)
    if existing is not None and STAGE_FOR[existing.purpose] != event.target:
        locked = ApprovalRequest.objects.select_for_update().get(pk=existing.pk)
        if locked.status == RequestStatus.OPEN:
            note = f"Withdrawn: the {event.kind} moved from {event.source} to {event.target}."
            close_request(locked, RequestStatus.WITHDRAWN, actor=event.actor, note=note)
    if event.version is not None and event.target == VersionStage.VALIDATED:
        open_approval_request(event.version, Purpose.APPROVAL, actor=event.actor)
