"""Stage-table guards owned by approvals (entries in lifecycle.guards.GUARDS)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils import timezone

from lifecycle.approvals.queries import approval_expires_at, current_approval

if TYPE_CHECKING:
    from lifecycle.guards import GuardContext


def decided_through_request(ctx: GuardContext) -> list[str]:
    """Rejecting or sending back is a signed decision: it happens only through the approval request."""
    approval = ctx.approval
    if approval is None:
        return [f"“{ctx.edge.label}” is a signed decision: record it on the open approval request."]
    expected = ctx.version.pk if ctx.version else None
    if approval.asset_id != ctx.asset.pk or approval.version_id != expected:
        return [f"Approval request #{approval.pk} is about another object."]
    return []


def approval_still_valid(ctx: GuardContext) -> list[str]:
    """Deployment needs an approval younger than the policy's validity (DESIGN §3: not expired)."""
    version = ctx.version
    if version is None:
        return []
    if current_approval(version) is None:
        return [f"Version {version.label} has no recorded approval."]
    expires = approval_expires_at(version)
    if expires is not None and expires <= timezone.now():
        return [
            f"The approval expired on {expires:%Y-%m-%d %H:%M} UTC (the policy allows deployment only "
            "within its validity after approval). Register a new version and have it approved again."
        ]
    return []


def approval_policy_exists(ctx: GuardContext) -> list[str]:
    """A version enters `validated` only if a policy says who must approve it (fail closed)."""
    from lifecycle.approvals.policies import matching_policy

    if matching_policy(ctx.asset) is None:
        return [
            "No approval policy covers this asset's category and tier: an administrator must define one "
            "before it can be validated."
        ]
    return []
