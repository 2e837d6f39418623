"""Who may take which edge: `By` values of the stage table resolved against an actor and an object."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from governance.accounts.models import User
from governance.accounts.roles import Role, TokenScope
from governance.audit.actors import Actor, ActorKind
from governance.inventory.models import Asset, AssetVersion
from lifecycle.stages import By, Edge

if TYPE_CHECKING:
    from lifecycle.models import ApprovalRequest


def is_owner_of(user: User, asset: Asset) -> bool:
    """An owner acts for an asset they own, or one their team owns."""
    return user.has_role(Role.OWNER) and (asset.owner_id == user.pk or asset.team_id in user.team_ids)


_CHECKS: dict[str, Callable[[User, Asset, AssetVersion | None], bool]] = {
    By.OWNER: lambda user, asset, version: is_owner_of(user, asset),
    By.VALIDATOR: lambda user, asset, version: user.has_role(Role.VALIDATOR),
    By.CLAIMING_VALIDATOR: lambda user, asset, version: (
        version is not None and version.validator_id == user.pk and user.has_role(Role.VALIDATOR)
    ),
    By.APPROVER: lambda user, asset, version: user.has_role(Role.APPROVER),
    # Nobody takes a quorum edge by themselves: only a quorate approval request does (see below).
    By.QUORUM: lambda user, asset, version: False,
    By.INTEGRATION: lambda user, asset, version: False,
}


def quorum_reasons(
    edge: Edge, approval: ApprovalRequest | None, asset: Asset, version: AssetVersion | None
) -> list[str]:
    """A quorum edge is taken only by the approval service, for a request that reached its quorum."""
    if approval is None:
        return [
            f"“{edge.label}” needs the approval quorum: sign a decision on the open approval request "
            "instead of moving the stage directly."
        ]
    same_object = approval.asset_id == asset.pk and approval.version_id == (version.pk if version else None)
    if not same_object or approval.status != "approved":
        return [f"Approval request #{approval.pk} has not reached its quorum for this object."]
    return []


def permission_reasons(
    edge: Edge,
    actor: Actor,
    asset: Asset,
    version: AssetVersion | None,
    approval: ApprovalRequest | None = None,
) -> list[str]:
    """Why `actor` may not take `edge` on this object; an empty list means permitted."""
    who = " or ".join(By(b).label for b in sorted(edge.by))
    if actor.token is not None and actor.token.scope == TokenScope.READ:
        return ["A read-only token cannot change anything."]
    if actor.is_integration:
        if By.INTEGRATION in edge.by:
            return []
        return [
            f"Integration tokens may take only registry and monitoring edges; “{edge.label}” needs {who}."
        ]
    if actor.kind == ActorKind.SYSTEM or actor.user is None:
        return [f"“{edge.label}” needs {who}; the system takes no lifecycle decisions."]
    user = actor.user
    if not user.is_active:
        return ["This account is deactivated."]
    if By.QUORUM in edge.by:
        if not user.has_role(Role.APPROVER):
            return [f"Only {who} may {edge.label[0].lower() + edge.label[1:]}."]
        return quorum_reasons(edge, approval, asset, version)
    if any(_CHECKS[b](user, asset, version) for b in edge.by):
        return []
    return [f"Only {who} may {edge.label[0].lower() + edge.label[1:]}."]
