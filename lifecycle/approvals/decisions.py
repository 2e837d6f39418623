"""The decision service: one approver's signed decision on an approval request (DESIGN §2-3).

Locks the version (or the proposed asset), then the request; transition() then locks the asset. Under
those locks it re-checks everything: the request is open, the signer may decide, the digest they saw
is the one pinned and still current, the policy's gates hold, and the quorum's composition. So under
any concurrency exactly the quorum's approvals are recorded and the object moves once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from governance.audit.actors import Actor
from governance.audit.event_types import AuditAction
from governance.audit.ledger import record_event
from governance.inventory.models import Asset, AssetVersion
from governance.oversight.findings import raise_finding
from governance.oversight.models import FindingSource, Severity
from lifecycle.approvals.errors import (
    AlreadyDecided,
    DigestChanged,
    InvalidDecision,
    NotEligible,
    RequestNotOpen,
)
from lifecycle.approvals.requests import close_request, mark_stale
from lifecycle.approvals.reviews import add_months
from lifecycle.approvals.rules import (
    approving,
    decider_reasons,
    gate_results,
    in_risk_committee,
    quorate,
    seat_reasons,
    unmet_gate_reasons,
)
from lifecycle.approvals.signing import Signature, verify_signature
from lifecycle.digest import review_digest
from lifecycle.exceptions import GuardFailed
from lifecycle.models import ApprovalRequest, Decision, Meaning, PolicyRule, Purpose, RequestStatus
from lifecycle.models.approvals import APPROVING_MEANINGS
from lifecycle.notifications import notify_decided
from lifecycle.stages import AssetStage, VersionStage
from lifecycle.transitions import transition

MAX_CONDITIONS = 20


@dataclass(frozen=True)
class Condition:
    """A condition of an approval; it becomes a finding owned by the asset's owner."""

    title: str
    due_date: dt.date
    severity: str = Severity.MEDIUM

    def as_json(self) -> dict[str, str]:
        return {"title": self.title, "due_date": self.due_date.isoformat(), "severity": self.severity}


def parse_conditions(raw: Iterable[Mapping[str, Any] | Condition]) -> list[Condition]:
    """Validate conditions given as mappings (API, forms) or Condition objects; InvalidDecision if bad."""
    conditions, problems = [], []
    today = timezone.now().date()
    for n, item in enumerate(raw, start=1):
        if isinstance(item, Condition):
            item = {"title": item.title, "due_date": item.due_date, "severity": item.severity}
        title = str(item.get("title", "")).strip()
        due = item.get("due_date")
        if isinstance(due, str):
            try:
                due = dt.date.fromisoformat(due)
            except ValueError:
                due = None
        severity = item.get("severity") or Severity.MEDIUM
        if not title:
            problems.append(f"Condition {n} needs a title.")
        if not isinstance(due, dt.date):
            problems.append(f"Condition {n} needs a due date (YYYY-MM-DD).")
        elif due < today:
            problems.append(f"Condition {n}'s due date is in the past.")
        if severity not in Severity.values:
            problems.append(f"Condition {n}'s severity must be one of {', '.join(Severity.values)}.")
        if title and isinstance(due, dt.date) and severity in Severity.values:
            conditions.append(Condition(title[:200], due, severity))
    if len(conditions) > MAX_CONDITIONS:
        problems.append(f"At most {MAX_CONDITIONS} conditions.")
    if problems:
        raise InvalidDecision("The conditions are not valid.", problems)
    return conditions


def check_shape(meaning: str, comment: str, conditions: list[Condition], purpose: str | None = None) -> None:
    """Bad input is refused before anything is locked or written (400)."""
    if meaning not in Meaning.values:
        raise InvalidDecision(
            f"Unknown decision “{meaning}”.", [f"Choose one of: {', '.join(Meaning.values)}."]
        )
    if meaning != Meaning.APPROVE and not comment.strip():
        label = Meaning(meaning).label
        raise InvalidDecision(
            f"“{label}” needs a comment.", ["Only a plain approval may be signed without a comment."]
        )
    if meaning == Meaning.APPROVE_WITH_CONDITIONS and not conditions:
        raise InvalidDecision(
            "Give at least one condition.", ["“Approve with conditions” needs at least one condition."]
        )
    if meaning != Meaning.APPROVE_WITH_CONDITIONS and conditions:
        raise InvalidDecision("Conditions go only with “Approve with conditions”.")
    if purpose == Purpose.REVIEW and meaning == Meaning.SEND_BACK:
        raise InvalidDecision(
            "A periodic review cannot be sent back.",
            ["Reaffirm the version (approve), reaffirm with conditions, or suspend it (reject)."],
        )


@dataclass(frozen=True)
class _Stale:
    note: str


def decide(
    request_id: int,
    *,
    actor: Actor,
    meaning: str,
    digest_seen: str,
    signature: Signature,
    comment: str = "",
    conditions: Iterable[Mapping[str, Any] | Condition] = (),
) -> Decision:
    """Record a signed decision; on quorum, rejection or send-back, close the request and move the object.

    Errors (nothing written unless said): InvalidDecision 400; SignatureFailed / NotEligible 403;
    RequestNotOpen / AlreadyDecided 409; GuardFailed 409 (gates); DigestChanged 409 — when the
    object's material moved since the request opened, the request is marked stale (committed) first.
    """
    parsed = parse_conditions(conditions)
    check_shape(meaning, comment, parsed)
    outcome = _decide(request_id, actor, meaning, comment.strip(), parsed, digest_seen, signature)
    if isinstance(outcome, _Stale):
        raise DigestChanged("The material under review changed: the request is now stale.", [outcome.note])
    return outcome


def _lock_subject(request: ApprovalRequest) -> tuple[Asset, AssetVersion | None]:
    """Lock order: the version (or proposed asset) first, then the request (transition locks the asset)."""
    if request.version_id is not None:
        version = AssetVersion.objects.select_for_update().get(pk=request.version_id)
        version.asset = Asset.objects.select_related("team", "owner").get(pk=version.asset_id)
        return version.asset, version
    asset = (
        Asset.objects.select_for_update(of=("self",)).select_related("team", "owner").get(pk=request.asset_id)
    )
    return asset, None


def _refuse_closed(request: ApprovalRequest) -> None:
    if request.status == RequestStatus.OPEN:
        return
    when = f"{request.closed_at:%Y-%m-%d %H:%M} UTC" if request.closed_at else ""
    if request.status in {RequestStatus.APPROVED, RequestStatus.REJECTED, RequestStatus.SENT_BACK}:
        raise AlreadyDecided(
            f"Already decided: the request was {request.get_status_display().lower()} on {when}.",
            [request.outcome_note or "No further decisions are taken on a decided request."],
        )
    raise RequestNotOpen(
        f"The request is {request.get_status_display().lower()} and takes no decisions.",
        [request.outcome_note or "It is closed."],
    )


@transaction.atomic
def _decide(
    request_id: int,
    actor: Actor,
    meaning: str,
    comment: str,
    conditions: list[Condition],
    digest_seen: str,
    signature: Signature,
) -> Decision | _Stale:
    # Re-authenticate before taking any lock: password hashing is slow on purpose.
    method = verify_signature(actor, signature)
    user = actor.user
    if not (user is not None):
        raise RuntimeError("invariant broken: user is not None")
    request = ApprovalRequest.objects.get(pk=request_id)
    asset, version = _lock_subject(request)
    request = (
        ApprovalRequest.objects.select_for_update(of=("self",)).select_related("policy").get(pk=request_id)
    )
    _refuse_closed(request)
    check_shape(meaning, comment, conditions, request.purpose)
    if Decision.objects.filter(request=request, approver=user).exists():
        raise AlreadyDecided("You have already signed a decision on this request.")
    rule = request.policy.rule_for(request.purpose)
    if rule is None:
        raise RequestNotOpen("The request's policy has no rule for it.")
    reasons = decider_reasons(user, rule, asset, version)
    if reasons:
        raise NotEligible(reasons[0], reasons)
    subject = version if version is not None else asset
    current = review_digest(subject)
    if current != request.digest:
        mark_stale(request, actor=actor, current_digest=current)
        return _Stale(request.outcome_note)
    if digest_seen != current:
        raise DigestChanged(
            "What you reviewed is not what is under review.",
            [
                f"You saw digest {digest_seen[:12] or '(none)'}…; the request is pinned to {current[:12]}…. "
                "Reload the page."
            ],
        )
    approvals = approving(request.decisions.all())
    committee = in_risk_committee(user)
    if meaning in APPROVING_MEANINGS:
        seat = seat_reasons(rule, approvals, user, committee)
        if seat:
            raise NotEligible(seat[0], seat)
        unmet = unmet_gate_reasons(gate_results(rule, request.policy, asset, version))
        if unmet:
            raise GuardFailed("The policy's gates do not hold, so it cannot be approved.", unmet)
    decision = Decision.objects.create(
        request=request,
        approver=user,
        approver_name=user.get_username(),
        role=rule.required_role,
        teams=sorted(user.teams.values_list("slug", flat=True)),
        roles_held=sorted(user.role_set),
        from_risk_committee=committee,
        meaning=meaning,
        comment=comment,
        conditions=[c.as_json() for c in conditions],
        digest_seen=digest_seen,
        signature_method=method,
    )
    findings = [
        raise_finding(
            actor=actor,
            asset=asset,
            version=version,
            title=c.title,
            severity=c.severity,
            description=f"Condition of {actor.name}'s approval (request #{request.pk}): {comment}",
            source=FindingSource.APPROVAL_CONDITION,
            source_ref=f"decision:{decision.pk}",
            owner=asset.owner,
            due_date=c.due_date,
        )
        for c in conditions
    ]
    record_event(
        AuditAction.DECISION_RECORDED,
        actor=actor,
        obj=request,
        payload={
            "request": request.pk,
            "decision": decision.pk,
            "meaning": meaning,
            "role": decision.role,
            "comment": comment,
            "conditions": decision.conditions,
            "findings": [f.pk for f in findings],
            "digest_seen": digest_seen,
            "signature_method": method,
            "from_risk_committee": committee,
        },
    )
    outcome = _apply_outcome(request, rule, decision, [*approvals, decision], actor, asset, version)
    notify_decided(request, decision, outcome)
    return decision


def _apply_outcome(
    request: ApprovalRequest,
    rule: PolicyRule,
    decision: Decision,
    approvals: list[Decision],
    actor: Actor,
    asset: Asset,
    version: AssetVersion | None,
) -> str:
    """Close the request and move the object when this decision settles it; return the outcome in words."""
    names = ", ".join(d.approver_name for d in approvals)
    if decision.approves:
        if not quorate(rule, approvals):
            return f"{len(approvals)} of {rule.quorum} approval(s) given; the request stays open."
        note = f"Quorum reached: {names}."
        close_request(request, RequestStatus.APPROVED, actor=actor, note=note)
        if request.purpose == Purpose.PROPOSAL:
            transition(asset, AssetStage.ACTIVE, actor=actor, reason=note, approval=request)
        else:
            if not (version is not None):
                raise RuntimeError("invariant broken: version is not None")
            if request.purpose == Purpose.APPROVAL:
                transition(version, VersionStage.APPROVED, actor=actor, reason=note, approval=request)
            _set_next_review(version, request, actor)
        return note
    note = f"{decision.get_meaning_display()} by {decision.approver_name}: {decision.comment}"
    if decision.meaning == Meaning.REJECT:
        close_request(request, RequestStatus.REJECTED, actor=actor, note=note)
        if request.purpose == Purpose.PROPOSAL:
            transition(asset, AssetStage.REJECTED, actor=actor, reason=decision.comment, approval=request)
        elif request.purpose == Purpose.APPROVAL:
            if not (version is not None):
                raise RuntimeError("invariant broken: version is not None")
            transition(version, VersionStage.REJECTED, actor=actor, reason=decision.comment, approval=request)
        else:
            if not (version is not None):
                raise RuntimeError("invariant broken: version is not None")
            transition(
                version, VersionStage.SUSPENDED, actor=actor, reason=decision.comment, approval=request
            )
        return note
    close_request(request, RequestStatus.SENT_BACK, actor=actor, note=note)
    if version is not None:
        transition(
            version, VersionStage.CHANGES_REQUESTED, actor=actor, reason=decision.comment, approval=request
        )
    return note + " The owner can revise it and ask for approval again."


def _set_next_review(version: AssetVersion, request: ApprovalRequest, actor: Actor) -> None:
    """Approved or reaffirmed: the next periodic review is due after the policy's interval."""
    now = timezone.now()
    next_review = add_months(now, request.policy.review_interval_months)
    AssetVersion.objects.filter(pk=version.pk).update(next_review_at=next_review)
    old = version.next_review_at
    version.next_review_at = next_review
    if request.purpose == Purpose.REVIEW:
        record_event(
            AuditAction.REVIEW_REAFFIRMED,
            actor=actor,
            obj=version,
            payload={
                "request": request.pk,
                "old": {"next_review_at": old},
                "new": {"next_review_at": next_review},
            },
        )
