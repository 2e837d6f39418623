"""The gates dry run: every rule of the governing policy with pass/fail and the reason, before anyone asks.

Read-only; shown on the version and asset pages and served by the API. It evaluates the same rules
the decision service enforces (lifecycle.approvals.rules), so the page and the service agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone

from governance.accounts.models import User
from governance.inventory.models import Asset, AssetVersion
from lifecycle.approvals.policies import matching_policy
from lifecycle.approvals.queries import approval_expires_at, open_request
from lifecycle.approvals.rules import (
    approving,
    decider_reasons,
    gate_results,
    in_risk_committee,
    seat_reasons,
    seats,
)
from lifecycle.digest import review_digest
from lifecycle.gates import GATE_CHECKS
from lifecycle.guards import submitter_id
from lifecycle.models import ApprovalPolicy, ApprovalRequest, Purpose
from lifecycle.stages import AssetStage, VersionStage

PASS, FAIL, WAIVED, NOT_AVAILABLE, PENDING, INFO = (
    "pass",
    "fail",
    "waived",
    "not_available",
    "pending",
    "info",
)


@dataclass(frozen=True)
class Check:
    """One rule of the dry run."""

    key: str
    label: str
    status: str
    reason: str

    @property
    def passed(self) -> bool:
        return self.status in {PASS, WAIVED, INFO}


@dataclass
class DryRun:
    purpose: str
    policy: ApprovalPolicy | None
    request: ApprovalRequest | None
    digest: str
    checks: list[Check] = field(default_factory=list)
    may_decide: bool = False

    @property
    def blocking(self) -> list[Check]:
        return [c for c in self.checks if c.status in {FAIL, NOT_AVAILABLE}]


def purpose_of(obj: Asset | AssetVersion) -> str:
    if isinstance(obj, Asset):
        return Purpose.PROPOSAL
    return (
        Purpose.REVIEW if obj.stage in {VersionStage.DEPLOYED, VersionStage.SUSPENDED} else Purpose.APPROVAL
    )


def _stage_check(obj: Asset | AssetVersion, purpose: str) -> Check:
    stages: dict[str, AssetStage | VersionStage] = {
        Purpose.PROPOSAL: AssetStage.PROPOSED,
        Purpose.APPROVAL: VersionStage.VALIDATED,
        Purpose.REVIEW: VersionStage.DEPLOYED,
    }
    wanted = stages[purpose]
    stage = obj.get_stage_display()
    if obj.stage == wanted:
        return Check("stage", "Stage", PASS, f"In stage “{stage}”: decisions can be taken.")
    if isinstance(obj, AssetVersion) and obj.stage in {VersionStage.APPROVED, VersionStage.DEPLOYED}:
        return Check("stage", "Stage", PASS, f"Already {stage.lower()}.")
    return Check("stage", "Stage", PENDING, f"Now “{stage}”; decisions are taken in stage “{wanted.label}”.")


def _sod_check(asset: Asset, version: AssetVersion | None) -> Check:
    excluded = [f"the owner ({asset.owner})", f"members of {asset.team}"]
    if version is not None:
        if version.validator_id:
            excluded.append(f"the validator ({version.validator})")
        submitter = submitter_id(version)
        if submitter:
            excluded.append(f"the submitter ({User.objects.get(pk=submitter)})")
    else:
        excluded.append(f"the proposer ({asset.created_by})")
    return Check("separation", "Separation of duties", INFO, "Cannot decide: " + ", ".join(excluded) + ".")


def _validity_checks(version: AssetVersion, policy: ApprovalPolicy, now: datetime) -> list[Check]:
    checks = []
    if version.stage == VersionStage.APPROVED:
        expires = approval_expires_at(version)
        if expires is not None:
            ok = expires > now
            checks.append(
                Check(
                    "validity",
                    "Approval valid for deployment",
                    PASS if ok else FAIL,
                    f"{'Valid until' if ok else 'Expired on'} {expires:%Y-%m-%d %H:%M} UTC.",
                )
            )
    else:
        checks.append(
            Check(
                "validity",
                "Approval validity",
                INFO,
                f"Once approved, deploy within {policy.approval_validity_days} days.",
            )
        )
    if version.next_review_at is not None:
        overdue = version.stage == VersionStage.DEPLOYED and version.next_review_at <= now
        checks.append(
            Check(
                "review",
                "Periodic review",
                FAIL if overdue else INFO,
                f"{'Overdue since' if overdue else 'Next review due'} {version.next_review_at:%Y-%m-%d}.",
            )
        )
    else:
        checks.append(
            Check(
                "review",
                "Periodic review",
                INFO,
                f"Every {policy.review_interval_months} months once approved.",
            )
        )
    return checks


def dry_run(obj: Asset | AssetVersion, user: User | None = None) -> DryRun:
    """Evaluate every rule of the policy that governs `obj` now, for `user` if given."""
    version = obj if isinstance(obj, AssetVersion) else None
    asset = version.asset if version is not None else obj
    if not (isinstance(asset, Asset)):
        raise RuntimeError("invariant broken: isinstance(asset, Asset)")
    purpose = purpose_of(obj)
    request = open_request(obj)
    policy = request.policy if request is not None else matching_policy(asset)
    digest = review_digest(obj)
    result = DryRun(purpose, policy, request, digest)
    if policy is None:
        result.checks.append(Check("policy", "Policy", FAIL, "No approval policy covers this asset."))
        return result
    rule = policy.rule_for(purpose)
    pinned = " (pinned by the open request)" if request else ""
    result.checks.append(Check("policy", "Policy", INFO, f"{policy} for {policy.scope_label}{pinned}."))
    result.checks.append(_stage_check(obj, purpose))
    if rule is None:
        result.checks.append(Check("rule", "Rule", FAIL, "The policy has no rule for this decision."))
        return result
    for gate in gate_results(rule, policy, asset, version):
        if gate.gate not in GATE_CHECKS:
            status, reason = NOT_AVAILABLE, gate.reasons[0]
        elif not gate.reasons:
            status, reason = PASS, "Met."
        elif gate.waived_by is not None:
            waiver = gate.waived_by
            status = WAIVED
            until = f"{waiver.expires_at:%Y-%m-%d}"
            reason = f"Waived by {waiver.granted_by_name} until {until}: {'; '.join(gate.reasons)}"
        else:
            status, reason = FAIL, " ".join(gate.reasons)
        result.checks.append(Check(f"gate:{gate.gate}", gate.label, status, reason))
    decisions = list(request.decisions.all()) if request else []
    for key, seat in seats(rule, approving(decisions)).items():
        status = PASS if seat.shortfall == 0 else PENDING
        result.checks.append(
            Check(
                f"seat:{key}",
                "Quorum" if key == "quorum" else "Composition",
                status,
                f"{seat.label}: {seat.have} of {seat.needed}.",
            )
        )
    result.checks.append(_sod_check(asset, version))
    if request is not None:
        if digest == request.digest:
            result.checks.append(
                Check("digest", "Material unchanged", PASS, f"Digest {digest[:12]}… as pinned.")
            )
        else:
            result.checks.append(
                Check(
                    "digest",
                    "Material unchanged",
                    FAIL,
                    f"Changed since the request opened ({request.digest[:12]}… → {digest[:12]}…): "
                    "the request goes stale at the next decision or sweep.",
                )
            )
    if version is not None:
        result.checks.extend(_validity_checks(version, policy, timezone.now()))
    if user is not None and request is not None:
        result.checks.append(_viewer_check(user, request, rule, asset, version, decisions, result))
    return result


def _viewer_check(user, request, rule, asset, version, decisions, result) -> Check:  # type: ignore[no-untyped-def]
    if any(d.approver_id == user.pk for d in decisions):
        return Check("viewer", "You", INFO, "You have signed a decision on this request.")
    reasons = decider_reasons(user, rule, asset, version)
    if not reasons:
        reasons = seat_reasons(rule, approving(decisions), user, in_risk_committee(user))
        result.may_decide = True
        if reasons:
            return Check("viewer", "You", INFO, "You may reject or send back, but not approve: " + reasons[0])
        return Check("viewer", "You", PASS, "You may sign a decision on this request.")
    return Check("viewer", "You", INFO, "You cannot decide: " + " ".join(reasons))
