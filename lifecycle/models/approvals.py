"""Approval requests and the signed decisions on them (DESIGN §2, house rule 7).

Invariants held by the database: one open request per object, one decision per approver per
request, a comment on every decision but a plain approval.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from lifecycle.models.policies import ApprovalPolicy, Purpose
from lifecycle.stages import ASSET, VERSION


class RequestStatus(models.TextChoices):
    OPEN = "open", "Open"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    SENT_BACK = "sent_back", "Sent back"
    STALE = "stale", "Stale"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Meaning(models.TextChoices):
    """What a signature means."""

    APPROVE = "approve", "Approve"
    APPROVE_WITH_CONDITIONS = "approve_with_conditions", "Approve with conditions"
    REJECT = "reject", "Reject"
    SEND_BACK = "send_back", "Send back"


APPROVING_MEANINGS = frozenset({Meaning.APPROVE, Meaning.APPROVE_WITH_CONDITIONS})


class ApprovalRequest(models.Model):
    """A request for approval of an asset proposal, a version, or a periodic review.

    Pinned to the review digest of what was under review when it opened and to one policy version.
    """

    KIND_CHOICES = [(ASSET, "Asset"), (VERSION, "Version")]

    purpose = models.CharField(max_length=10, choices=Purpose.choices)
    kind = models.CharField(max_length=10, choices=KIND_CHOICES)
    asset = models.ForeignKey("inventory.Asset", on_delete=models.PROTECT, related_name="approval_requests")
    version = models.ForeignKey(
        "inventory.AssetVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="approval_requests",
    )
    policy = models.ForeignKey(ApprovalPolicy, on_delete=models.PROTECT, related_name="requests")
    digest = models.CharField(max_length=64, help_text="Review digest pinned when the request opened.")
    digest_version = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=10, choices=RequestStatus.choices, default=RequestStatus.OPEN)
    opened_at = models.DateTimeField(default=timezone.now)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    opened_by_name = models.CharField(max_length=200)
    due_at = models.DateTimeField(null=True, blank=True, help_text="For reviews: when the review fell due.")
    closed_at = models.DateTimeField(null=True, blank=True)
    outcome_note = models.TextField(blank=True, help_text="Why it closed, went stale or was withdrawn.")

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["version"],
                condition=models.Q(status="open", version__isnull=False),
                name="approval_one_open_request_per_version",
            ),
            models.UniqueConstraint(
                fields=["asset"],
                condition=models.Q(status="open", version__isnull=True),
                name="approval_one_open_request_per_asset",
            ),
            models.CheckConstraint(
                condition=models.Q(kind=ASSET, version__isnull=True)
                | models.Q(kind=VERSION, version__isnull=False),
                name="approval_request_kind_matches_object",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=RequestStatus.values), name="approval_request_known_status"
            ),
            models.CheckConstraint(
                condition=models.Q(status="open") | models.Q(closed_at__isnull=False),
                name="approval_request_closed_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "opened_at"]),
            models.Index(fields=["version", "purpose", "status"]),
        ]

    def __str__(self) -> str:
        return f"Request #{self.pk}: {self.get_purpose_display()}"

    def get_absolute_url(self) -> str:
        return reverse("lifecycle:request", args=[self.pk])

    @property
    def subject(self) -> models.Model:
        """The asset or version the request is about."""
        return self.version if self.version is not None else self.asset

    @property
    def is_open(self) -> bool:
        return self.status == RequestStatus.OPEN


class Decision(models.Model):
    """One approver's electronic signature on a request: who, role, meaning, time and what they saw."""

    request = models.ForeignKey(ApprovalRequest, on_delete=models.PROTECT, related_name="decisions")
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approver_name = models.CharField(max_length=200, help_text="Snapshot of the signer's name.")
    role = models.CharField(max_length=20, help_text="The role under which the decision was signed.")
    teams = models.JSONField(default=list, help_text="The signer's team slugs when signing.")
    roles_held = models.JSONField(default=list, help_text="The signer's roles when signing.")
    from_risk_committee = models.BooleanField(default=False)
    meaning = models.CharField(max_length=30, choices=Meaning.choices)
    comment = models.TextField(blank=True)
    conditions = models.JSONField(default=list, blank=True)
    digest_seen = models.CharField(max_length=64)
    signature_method = models.CharField(max_length=20, help_text="password (web) or signing_token (API).")
    signed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["signed_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["request", "approver"], name="decision_one_per_approver"),
            models.CheckConstraint(
                condition=models.Q(meaning="approve") | ~models.Q(comment=""),
                name="decision_comment_unless_plain_approval",
            ),
            models.CheckConstraint(
                condition=models.Q(meaning__in=Meaning.values), name="decision_known_meaning"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.approver_name}: {self.get_meaning_display()}"

    @property
    def approves(self) -> bool:
        return self.meaning in APPROVING_MEANINGS


class SigningToken(models.Model):
    """A short-lived, single-use credential minted with the user's password for one API signature."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"signing token of {self.user_id}"
