"""Email notifications about approvals, waivers, findings and reviews.

Each `notify_*` writes one Notification row per recipient inside the caller's transaction and
enqueues its delivery task on commit, so a rolled-back change sends nothing. Links are absolute,
built from settings.STEWARD_BASE_URL.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.db.models import Model

from governance.accounts.models import User
from lifecycle.models import Notification

if TYPE_CHECKING:
    from governance.oversight.models import Finding
    from lifecycle.models import ApprovalRequest, Decision, Waiver


def absolute_url(path: str) -> str:
    return f"{settings.STEWARD_BASE_URL}{path}"


def _subject_label(request: ApprovalRequest) -> str:
    if request.version_id:
        return f"version {request.version.label} of {request.asset.name}"  # type: ignore[union-attr]
    return f"the proposal “{request.asset.name}”"


def queue(
    kind: str, recipients: Iterable[User], subject: str, lines: list[str], obj: Model, path: str
) -> list[Notification]:
    """Write one pending notification per distinct recipient with an email; deliver on commit."""
    from lifecycle.tasks import deliver_notification

    url = absolute_url(path)
    body = "\n\n".join([*lines, f"Open it in Steward: {url}", "— Steward"])
    made = []
    seen: set[int] = set()
    for user in recipients:
        if user.pk in seen or not user.email or not user.is_active:
            continue
        seen.add(user.pk)
        made.append(
            Notification.objects.create(
                kind=kind,
                recipient=user,
                email=user.email,
                subject=subject[:250],
                body=f"Hello {user},\n\n{body}",
                url=url,
                object_type=obj._meta.label_lower,
                object_id=str(obj.pk),
            )
        )
    for note in made:
        transaction.on_commit(partial(deliver_notification.delay, note.pk))
    return made


def eligible_deciders(request: ApprovalRequest) -> list[User]:
    """Active users holding the rule's role who pass separation of duties for the request's object."""
    from lifecycle.approvals.rules import separation_reasons

    rule = request.policy.rule_for(request.purpose)
    if rule is None:
        return []
    candidates = User.objects.filter(role_grants__role=rule.required_role, is_active=True).distinct()
    return [u for u in candidates if not separation_reasons(u, request.asset, request.version)]


def _stakeholders(request: ApprovalRequest) -> list[User]:
    people = [request.asset.owner]
    if request.version is not None and request.version.validator is not None:
        people.append(request.version.validator)
    if request.opened_by is not None:
        people.append(request.opened_by)
    return people


def notify_request_opened(request: ApprovalRequest) -> None:
    label = _subject_label(request)
    what = "A periodic review" if request.purpose == "review" else "Approval"
    rule = request.policy.rule_for(request.purpose)
    needed = "see the policy"
    if rule is not None:
        needed = f"{rule.quorum} approval(s)" + "".join(f", {part}" for part in rule.composition)
    queue(
        "request_opened",
        eligible_deciders(request),
        f"[Steward] {what} needed: {label}",
        [
            f"{what} is requested for {label} under policy “{request.policy}”.",
            f"Needed: {needed}.",
        ],
        request,
        request.get_absolute_url(),
    )


def notify_decided(request: ApprovalRequest, decision: Decision, outcome: str) -> None:
    label = _subject_label(request)
    lines = [f"{decision.approver_name} signed “{decision.get_meaning_display()}” on {label}."]
    if decision.comment:
        lines.append(f"Comment: {decision.comment}")
    if outcome:
        lines.append(outcome)
    signers = [d.approver for d in request.decisions.select_related("approver")]
    queue(
        "request_decided",
        [*_stakeholders(request), *signers],
        f"[Steward] {decision.get_meaning_display()}: {label}",
        lines,
        request,
        request.get_absolute_url(),
    )


def notify_request_stale(request: ApprovalRequest, note: str) -> None:
    label = _subject_label(request)
    signers = [d.approver for d in request.decisions.select_related("approver")]
    queue(
        "request_stale",
        [*_stakeholders(request), *signers],
        f"[Steward] Approval request went stale: {label}",
        [f"The approval request for {label} went stale and can no longer be decided.", note],
        request,
        request.get_absolute_url(),
    )


def notify_waiver(waiver: Waiver, event: str) -> None:
    """`event` is "granted", "expiring" or "expired"."""
    target = f"version {waiver.version.label} of {waiver.asset.name}" if waiver.version else waiver.asset.name
    when = f"{waiver.expires_at:%Y-%m-%d %H:%M} UTC"
    text = {
        "granted": f"{waiver.granted_by_name} waived “{waiver.get_gate_display()}” for {target} "
        f"until {when}.",
        "expiring": f"The waiver of “{waiver.get_gate_display()}” for {target} expires on {when}.",
        "expired": f"The waiver of “{waiver.get_gate_display()}” for {target} expired on {when}: "
        "the gate counts again.",
    }[event]
    queue(
        f"waiver_{event}",
        [waiver.asset.owner, waiver.granted_by],
        f"[Steward] Waiver {event}: {target}",
        [text, f"Justification: {waiver.justification}"],
        waiver,
        waiver.get_absolute_url(),
    )


def notify_finding_due(finding: Finding) -> None:
    recipients = [u for u in (finding.owner, finding.asset.owner) if u is not None]
    queue(
        "finding_due",
        recipients,
        f"[Steward] Finding due {finding.due_date:%Y-%m-%d}: {finding.title}",
        [
            f"The {finding.get_severity_display().lower()} finding “{finding.title}” on {finding.asset.name} "
            f"is due on {finding.due_date:%Y-%m-%d} and is {finding.get_status_display().lower()}."
        ],
        finding,
        finding.get_absolute_url(),
    )
