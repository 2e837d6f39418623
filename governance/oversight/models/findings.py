"""The findings register: issues about an asset or version, tracked to closure or accepted risk."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone


class Severity(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


# Severities that block approval while open (DESIGN §3: "no open high findings").
BLOCKING_SEVERITIES = frozenset({Severity.HIGH, Severity.CRITICAL})


class FindingStatus(models.TextChoices):
    OPEN = "open", "Open"
    IN_REMEDIATION = "in_remediation", "In remediation"
    CLOSED = "closed", "Closed"
    RISK_ACCEPTED = "risk_accepted", "Risk accepted"


# Statuses in which a finding still counts against the object.
UNRESOLVED_STATUSES = frozenset({FindingStatus.OPEN, FindingStatus.IN_REMEDIATION})


class FindingSource(models.TextChoices):
    VALIDATION = "validation", "Validation"
    APPROVAL_CONDITION = "approval_condition", "Approval condition"
    MONITORING = "monitoring", "Monitoring"
    REGISTRY = "registry", "Registry"
    MANUAL = "manual", "Manual"


class Finding(models.Model):
    """An issue found about an asset or version, tracked to closure or accepted risk."""

    asset = models.ForeignKey("inventory.Asset", on_delete=models.PROTECT, related_name="findings")
    version = models.ForeignKey(
        "inventory.AssetVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="findings"
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    status = models.CharField(max_length=20, choices=FindingStatus.choices, default=FindingStatus.OPEN)
    source = models.CharField(max_length=20, choices=FindingSource.choices, default=FindingSource.MANUAL)
    source_ref = models.CharField(
        max_length=200, blank=True, help_text="What raised it (a decision id, a delivery id, a metric…)."
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_findings",
    )
    due_date = models.DateField(null=True, blank=True)
    due_notified_on = models.DateField(
        null=True, blank=True, help_text="The due date last reminded about (one reminder per due date)."
    )
    raised_by_name = models.CharField(max_length=200)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="raised_findings",
    )
    risk_accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    risk_accepted_until = models.DateField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(severity__in=Severity.values), name="finding_known_severity"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=FindingStatus.values), name="finding_known_status"
            ),
            models.CheckConstraint(
                condition=~models.Q(status=FindingStatus.RISK_ACCEPTED)
                | models.Q(risk_accepted_by__isnull=False, risk_accepted_until__isnull=False),
                name="finding_risk_acceptance_complete",
            ),
        ]
        indexes = [
            models.Index(fields=["asset", "status"]),
            models.Index(fields=["version", "status", "severity"]),
            models.Index(fields=["status", "due_date"]),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("oversight:finding", args=[self.pk])

    def is_blocking_on(self, day: object) -> bool:
        """Counts against approval: blocking severity and unresolved, or risk acceptance lapsed."""
        if self.severity not in BLOCKING_SEVERITIES:
            return False
        if self.status in UNRESOLVED_STATUSES:
            return True
        lapsed = self.risk_accepted_until is not None and self.risk_accepted_until < day  # type: ignore[operator]
        return self.status == FindingStatus.RISK_ACCEPTED and lapsed


class FindingComment(models.Model):
    """A comment on a finding (status changes carry their note here too). Never edited."""

    finding = models.ForeignKey(Finding, on_delete=models.PROTECT, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    author_name = models.CharField(max_length=200)
    body = models.TextField()
    status_change = models.CharField(max_length=60, blank=True, help_text="e.g. open → closed")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.CheckConstraint(condition=~models.Q(body=""), name="finding_comment_has_body")]

    def __str__(self) -> str:
        return f"{self.author_name} on {self.finding_id}"


class FindingLink(models.Model):
    """A generic reference from a finding to a related object (evidence, decision, another version…).

    Generic on purpose: evidence lives in another app that records must not depend on the order of.
    """

    finding = models.ForeignKey(Finding, on_delete=models.PROTECT, related_name="links")
    object_type = models.CharField(max_length=60, help_text="app_label.model, e.g. evidence.evidence")
    object_id = models.CharField(max_length=64)
    label = models.CharField(max_length=300, help_text="Snapshot of what was linked.")
    linked_by_name = models.CharField(max_length=200)
    linked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["linked_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["finding", "object_type", "object_id"], name="finding_link_unique"
            )
        ]

    def __str__(self) -> str:
        return self.label
