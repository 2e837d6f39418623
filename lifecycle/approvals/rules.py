"""Who may decide, how the quorum counts, and which gates hold: the rules a request is judged by.

Pure reads: the decision service calls these under the object's lock; the dry run and the inbox
call them without one to show the same answers before anyone asks.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from governance.accounts.models import Team, User
from governance.accounts.roles import Role
from governance.inventory.models import Asset, AssetVersion
from lifecycle.gates import GateResult, evaluate_gate
from lifecycle.guards import submitter_id
from lifecycle.models import ApprovalPolicy, Decision, PolicyRule, Purpose
from lifecycle.models.approvals import APPROVING_MEANINGS


def subject_of(asset: Asset, version: AssetVersion | None) -> str:
    return f"version {version.label} of {asset.name}" if version else f"the proposal of {asset.name}"


def in_risk_committee(user: User) -> bool:
    return Team.objects.filter(pk__in=user.team_ids, is_risk_committee=True).exists()


def separation_reasons(
    user: User, asset: Asset, version: AssetVersion | None, *, submitter: int | None = None
) -> list[str]:
    """Separation of duties (a floor no policy can lower): the owner, the owning team, the
    submitter, the version's validator and the asset's proposer never decide."""
    reasons = []
    if asset.team_id in user.team_ids:
        reasons.append("Members of the team that owns the asset cannot decide on it.")
    if asset.owner_id == user.pk:
        reasons.append("The asset's owner cannot decide on it.")
    if version is not None:
        if (submitter if submitter is not None else submitter_id(version)) == user.pk:
            reasons.append("The person who submitted the version cannot decide on it.")
        if version.validator_id == user.pk:
            reasons.append("The version's validator cannot also decide on it.")
    elif asset.created_by_id == user.pk:
        reasons.append("The person who proposed the asset cannot decide on it.")
    return reasons


def decider_reasons(
    user: User | None, rule: PolicyRule, asset: Asset, version: AssetVersion | None, **kw: Any
) -> list[str]:
    """Why `user` may not sign decisions under `rule` on this object; [] = may."""
    if user is None or not user.is_active:
        return ["Only a signed-in, active person can sign a decision."]
    reasons = []
    if not user.has_role(rule.required_role):
        reasons.append(f"Deciding needs the {Role(rule.required_role).label.lower()} role.")
    return reasons + separation_reasons(user, asset, version, **kw)


@dataclass(frozen=True)
class Seat:
    """A quorum requirement and how far the approvals so far go towards it."""

    label: str
    needed: int
    have: int

    @property
    def shortfall(self) -> int:
        return max(0, self.needed - self.have)


def seats(rule: PolicyRule, approvals: Iterable[Decision]) -> dict[str, Seat]:
    """The composition requirements of the quorum, each with the approvals that satisfy it."""
    approvals = list(approvals)
    result = {"quorum": Seat(f"{rule.quorum} distinct approval(s)", rule.quorum, len(approvals))}
    if rule.min_risk_committee:
        have = sum(d.from_risk_committee for d in approvals)
        result["committee"] = Seat(
            f"at least {rule.min_risk_committee} from a risk committee", rule.min_risk_committee, have
        )
    if rule.named_team_id:
        slug = rule.named_team.slug if rule.named_team else ""
        have = sum(slug in d.teams for d in approvals)
        result["team"] = Seat(f"at least one from {rule.named_team}", 1, have)
    if rule.named_role:
        have = sum(rule.named_role in d.roles_held for d in approvals)
        result["role"] = Seat(f"at least one {Role(rule.named_role).label.lower()}", 1, have)
    return result


def quorate(rule: PolicyRule, approvals: Iterable[Decision]) -> bool:
    return all(seat.shortfall == 0 for seat in seats(rule, approvals).values())


def seat_reasons(rule: PolicyRule, approvals: list[Decision], user: User, committee: bool) -> list[str]:
    """Refuse an approval that would use up the last seats without meeting the composition.

    With quorum 2 and "one from a risk committee", a second approval from outside the committee
    could never complete the quorum; refusing it keeps exactly `quorum` approvals counted.
    """
    current = seats(rule, approvals)
    remaining = current["quorum"].shortfall - 1
    short = 0
    for key, seat in current.items():
        if key == "quorum":
            continue
        fills = key == "committee" and committee
        fills |= key == "team" and rule.named_team_id in user.team_ids
        fills |= key == "role" and bool(rule.named_role) and user.has_role(rule.named_role)
        short += max(0, seat.shortfall - (1 if fills else 0))
    if short > max(remaining, 0):
        wanted = [s.label for k, s in current.items() if k != "quorum" and s.shortfall]
        return [f"The remaining approvals must satisfy: {'; '.join(wanted)}. You do not fill that seat."]
    return []


def roles_held(user: User) -> list[str]:
    return sorted(user.role_set)


def gate_results(
    rule: PolicyRule, policy: ApprovalPolicy, asset: Asset, version: AssetVersion | None
) -> list[GateResult]:
    return [evaluate_gate(g, asset, version, gate_options(policy, g)) for g in rule.gates]


def gate_options(policy: ApprovalPolicy, gate: str) -> Mapping[str, Any]:
    """Policy parameters a gate check receives (documented for the gates' authors)."""
    return {
        "policy": policy.key,
        "policy_version": policy.version,
        "evidence_kinds": list(policy.required_evidence),
        "bias_thresholds": dict(policy.bias_thresholds),
    }


def unmet_gate_reasons(results: Iterable[GateResult]) -> list[str]:
    return [f"{r.label}: {reason}" for r in results if not r.passed for reason in r.reasons]


def purpose_for(asset: Asset, version: AssetVersion | None) -> str:
    return Purpose.APPROVAL if version is not None else Purpose.PROPOSAL


def approving(decisions: Iterable[Decision]) -> list[Decision]:
    return [d for d in decisions if d.meaning in APPROVING_MEANINGS]
