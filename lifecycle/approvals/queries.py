"""Read side of approvals, for the lifecycle, the inbox and other features (e.g. the deployment gate).

Stable functions over the approval rows: the current approval of a version and its expiry, valid
and expired waivers, review due dates.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from governance.inventory.models import Asset, AssetVersion
from lifecycle.models import ApprovalRequest, Purpose, RequestStatus, Waiver
from lifecycle.stages import VersionStage


def open_request(obj: Asset | AssetVersion) -> ApprovalRequest | None:
    """The object's open request (at most one, by constraint)."""
    if isinstance(obj, AssetVersion):
        qs = ApprovalRequest.objects.filter(version=obj)
    else:
        qs = ApprovalRequest.objects.filter(asset=obj, version__isnull=True)
    return qs.filter(status=RequestStatus.OPEN).select_related("policy").first()


def current_approval(version: AssetVersion) -> ApprovalRequest | None:
    """The request that approved this version (the latest approved one), or None."""
    return (
        ApprovalRequest.objects.filter(
            version=version, purpose=Purpose.APPROVAL, status=RequestStatus.APPROVED
        )
        .select_related("policy")
        .order_by("-closed_at", "-id")
        .first()
    )


def approval_expires_at(version: AssetVersion) -> datetime | None:
    """When the version's approval stops allowing deployment (policy's validity), or None if unapproved."""
    approval = current_approval(version)
    if approval is None or approval.closed_at is None:
        return None
    return approval.closed_at + timedelta(days=approval.policy.approval_validity_days)


def approval_expired(version: AssetVersion, at: datetime | None = None) -> bool:
    expires = approval_expires_at(version)
    return expires is not None and expires <= (at or timezone.now())


def valid_waivers(obj: Asset | AssetVersion, at: datetime | None = None) -> QuerySet[Waiver]:
    """Waivers in force now for exactly this object (an asset's own, or a version's own)."""
    moment = at or timezone.now()
    qs = Waiver.objects.filter(revoked_at__isnull=True, expires_at__gt=moment)
    if isinstance(obj, AssetVersion):
        return qs.filter(version=obj)
    return qs.filter(asset=obj, version__isnull=True)


def valid_waiver(gate: str, asset: Asset, version: AssetVersion | None) -> Waiver | None:
    """The WAIVER_LOOKUP installed into lifecycle.gates: a valid waiver of `gate` for this object."""
    return valid_waivers(version or asset).filter(gate=gate).order_by("-expires_at").first()


def expired_waivers(obj: Asset | AssetVersion, at: datetime | None = None) -> QuerySet[Waiver]:
    """Waivers of this object that ran out without being revoked (the object is flagged for them)."""
    moment = at or timezone.now()
    qs = Waiver.objects.filter(revoked_at__isnull=True, expires_at__lte=moment)
    if isinstance(obj, AssetVersion):
        return qs.filter(version=obj)
    return qs.filter(asset=obj, version__isnull=True)


def review_overdue(version: AssetVersion, at: datetime | None = None) -> bool:
    """A deployed version whose periodic review date has passed (reaffirming moves the date on)."""
    moment = at or timezone.now()
    return (
        version.stage == VersionStage.DEPLOYED
        and version.next_review_at is not None
        and version.next_review_at <= moment
    )


def overdue_reviews(at: datetime | None = None) -> QuerySet[AssetVersion]:
    """Deployed versions whose review is due or overdue."""
    moment = at or timezone.now()
    return AssetVersion.objects.filter(stage=VersionStage.DEPLOYED, next_review_at__lte=moment)


def requests_about(obj: Asset | AssetVersion) -> QuerySet[ApprovalRequest]:
    """Every request about the object, newest first."""
    rule = Q(version=obj) if isinstance(obj, AssetVersion) else Q(asset=obj, version__isnull=True)
    return ApprovalRequest.objects.filter(rule).select_related("policy").order_by("-opened_at", "-id")
