"""Gates on edges: named checks that return the reasons an edge may not be taken now.

A guard returns [] when satisfied. A guard that raises fails closed: its failure becomes a reason.
Later issues add their gates (documents, bias review, quorum, findings) to GUARDS.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from governance.audit.actors import Actor
from governance.inventory.models import Asset, AssetVersion
from lifecycle.approvals.guards import approval_policy_exists, approval_still_valid, decided_through_request
from lifecycle.gates import Gate, gate_guard
from lifecycle.gates_documents import policy_evidence_guard
from lifecycle.models import StageTransition
from lifecycle.stages import ASSET, VERSION, AssetStage, Edge, VersionStage

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class GuardContext:
    """What a guard may look at: the locked object, the edge and the actor."""

    edge: Edge
    actor: Actor
    asset: Asset
    version: AssetVersion | None
    approval: Any = None  # the ApprovalRequest deciding this move, when the approval service moves it


Guard = Callable[[GuardContext], list[str]]


def submitter_id(version: AssetVersion) -> int | None:
    """The user who last submitted the version for validation."""
    step = (
        StageTransition.objects.filter(version=version, target=VersionStage.SUBMITTED)
        .order_by("-at", "-id")
        .values_list("actor_user_id", flat=True)
        .first()
    )
    return step


def asset_not_closed(ctx: GuardContext) -> list[str]:
    if ctx.asset.stage in {AssetStage.RETIRED, AssetStage.REJECTED}:
        return [f"The asset is {ctx.asset.get_stage_display().lower()}: its versions can only be retired."]
    return []


def asset_is_active(ctx: GuardContext) -> list[str]:
    if ctx.asset.stage != AssetStage.ACTIVE:
        return [f"The asset's proposal is {ctx.asset.get_stage_display().lower()}, not approved (active)."]
    return []


def validator_is_independent(ctx: GuardContext) -> list[str]:
    """Validation is independent: not by the owning team, the owner or the submitter."""
    user, version = ctx.actor.user, ctx.version
    if user is None or version is None:
        return []
    reasons = []
    if ctx.asset.team_id in user.team_ids:
        reasons.append("Validators must not belong to the team that owns the asset.")
    if ctx.asset.owner_id == user.pk:
        reasons.append("The asset's owner cannot validate it.")
    if submitter_id(version) == user.pk:
        reasons.append("The person who submitted the version cannot validate it.")
    return reasons


def approver_is_independent(ctx: GuardContext) -> list[str]:
    """Separation of duties for approval: no approving one's own team's or one's own work."""
    user = ctx.actor.user
    if user is None:
        return []
    reasons = []
    if ctx.asset.team_id in user.team_ids:
        reasons.append("Approvers must not belong to the team that owns the asset.")
    if ctx.asset.owner_id == user.pk:
        reasons.append("The asset's owner cannot approve it.")
    if ctx.version is not None:
        if submitter_id(ctx.version) == user.pk:
            reasons.append("The person who submitted the version cannot approve it.")
        if ctx.version.validator_id == user.pk:
            reasons.append("The version's validator cannot also approve it.")
    elif ctx.asset.created_by_id == user.pk:
        reasons.append("The person who proposed the asset cannot approve it.")
    return reasons


def no_version_deployed(ctx: GuardContext) -> list[str]:
    deployed = list(ctx.asset.versions.filter(stage=VersionStage.DEPLOYED).values_list("label", flat=True))
    if deployed:
        return [f"Versions still deployed: {', '.join(deployed)}. Deprecate or retire them first."]
    return []


V, A = VersionStage, AssetStage
GUARDS: dict[tuple[str, str, str], tuple[Guard, ...]] = {
    # Quorum and separation of duties for approvals are the policy's (lifecycle.approvals); these
    # edges are taken only by the approval service, which passes the deciding request.
    (ASSET, A.PROPOSED, A.ACTIVE): (approver_is_independent,),
    (ASSET, A.PROPOSED, A.REJECTED): (approver_is_independent, decided_through_request),
    (ASSET, A.ACTIVE, A.RETIRED): (no_version_deployed,),
    (VERSION, V.SUBMITTED, V.IN_VALIDATION): (validator_is_independent,),
    (VERSION, V.IN_VALIDATION, V.VALIDATED): (
        gate_guard(Gate.NO_OPEN_HIGH_FINDINGS),
        approval_policy_exists,
    ),
    (VERSION, V.VALIDATED, V.APPROVED): (approver_is_independent,),
    (VERSION, V.VALIDATED, V.REJECTED): (approver_is_independent, decided_through_request),
    (VERSION, V.VALIDATED, V.CHANGES_REQUESTED): (approver_is_independent, decided_through_request),
    (VERSION, V.APPROVED, V.DEPLOYED): (asset_is_active, approval_still_valid),
}


# Documentation, evidence and bias reviews (lifecycle.gates_documents, lifecycle.gates_bias), added to
# whatever the edges already require.
DOCUMENTATION_GUARDS: dict[tuple[str, str, str], tuple[Guard, ...]] = {
    (VERSION, V.REGISTERED, V.SUBMITTED): (gate_guard(Gate.MODEL_CARD), policy_evidence_guard),
    (VERSION, V.CHANGES_REQUESTED, V.SUBMITTED): (gate_guard(Gate.MODEL_CARD), policy_evidence_guard),
    (VERSION, V.IN_VALIDATION, V.VALIDATED): (
        gate_guard(Gate.VALIDATION_REPORT),
        gate_guard(Gate.BIAS_REVIEW),
    ),
}
for _edge, _guards in DOCUMENTATION_GUARDS.items():
    GUARDS[_edge] = (*GUARDS.get(_edge, ()), *_guards)


def guards_for(edge: Edge) -> tuple[Guard, ...]:
    specific = GUARDS.get((edge.kind, edge.source, edge.target), ())
    if edge.kind == VERSION and edge.target != V.RETIRED:
        return (asset_not_closed, *specific)
    return specific


def unmet_reasons(ctx: GuardContext) -> list[str]:
    """Every unmet reason of every guard on the edge; a guard that raises counts as unmet (fail closed)."""
    reasons: list[str] = []
    for guard in guards_for(ctx.edge):
        try:
            reasons.extend(guard(ctx))
        except Exception:
            logger.exception("guard %s raised; failing closed", guard.__name__)
            reasons.append(f"The check “{guard.__name__}” could not be evaluated, so the change is refused.")
    return reasons
