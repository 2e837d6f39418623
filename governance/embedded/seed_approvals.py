"""Demo approvals for the embedded seed: requests waiting for decisions, findings (one raised by the
validator, one from an approval condition), a waiver and an overdue periodic review.

Everything goes through the same services as the UI and the API.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from governance.audit.actors import Actor
from governance.inventory.models import AssetVersion
from governance.oversight.findings import change_finding_status, raise_finding
from lifecycle.approvals.decisions import decide
from lifecycle.approvals.queries import open_request
from lifecycle.approvals.reviews import open_due_reviews, reschedule_review
from lifecycle.approvals.signing import Signature
from lifecycle.approvals.waivers import grant_waiver
from lifecycle.gates import Gate


def first_of_two(users: dict[str, Any], version: AssetVersion, password: str) -> None:
    """Alice signs the first of two approvals, with a condition that becomes a finding; Amir's is awaited."""
    request = open_request(version)
    if request is None:
        return
    due = timezone.now().date() + dt.timedelta(days=45)
    decide(
        request.pk,
        actor=Actor.for_user(users["alice"]),
        meaning="approve_with_conditions",
        comment="Sound model; the income band below 15k needs its own back-test before the next review.",
        conditions=[{"title": "Back-test the income band below 15k", "due_date": due}],
        digest_seen=request.digest,
        signature=Signature(password=password),
    )


def findings_and_waiver(users: dict[str, Any], in_validation: AssetVersion, deployed: AssetVersion) -> None:
    """Victor raises a high finding during validation; Amir waives it for the approval while it is fixed;
    an older medium finding on a deployed model is in remediation."""
    victor, olivia = Actor.for_user(users["victor"]), Actor.for_user(users["olivia"])
    raise_finding(
        actor=victor,
        asset=in_validation.asset,
        version=in_validation,
        title="Merchant-category leakage in the training features",
        severity="high",
        description="Chargeback outcomes leak into the merchant-risk feature for 3% of the training window.",
        source="validation",
        due_date=timezone.now().date() + dt.timedelta(days=21),
    )
    grant_waiver(
        actor=Actor.for_user(users["amir"]),
        gate=Gate.NO_OPEN_HIGH_FINDINGS,
        asset=in_validation.asset,
        version=in_validation,
        justification="Leakage is limited to a closed merchant segment; the fix ships in version 5.",
        expires_at=timezone.now() + dt.timedelta(days=30),
    )
    drift = raise_finding(
        actor=victor,
        asset=deployed.asset,
        version=deployed,
        title="Calibration drift for applicants under 25",
        severity="medium",
        source="validation",
        due_date=timezone.now().date() + dt.timedelta(days=5),
    )
    change_finding_status(
        actor=olivia, finding=drift, status="in_remediation", note="Recalibration scheduled for next sprint."
    )


def overdue_review(users: dict[str, Any], deployed: AssetVersion) -> None:
    """Alice brings the fraud model's review forward after a shift in fraud patterns: it is overdue now."""
    reschedule_review(
        deployed,
        actor=Actor.for_user(users["alice"]),
        due_at=timezone.now() - dt.timedelta(days=3),
        reason="Fraud patterns shifted after the instant-payments launch.",
    )
    open_due_reviews()
