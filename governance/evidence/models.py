"""Evidence files attached to a version (DESIGN §2): hashed, typed by content, superseded, never deleted."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone


class EvidenceKind(models.TextChoices):
    """What a file evidences. Approval policies name these values to require evidence before a gate."""

    TEST_RESULTS = "test_results", "Test results"
    PERFORMANCE_REPORT = "performance_report", "Performance report"
    DATA_QUALITY_REPORT = "data_quality_report", "Data quality report"
    FAIRNESS_ANALYSIS = "fairness_analysis", "Fairness analysis"
    EXPLAINABILITY_REPORT = "explainability_report", "Explainability report"
    ROBUSTNESS_REPORT = "robustness_report", "Robustness and stress tests"
    SECURITY_ASSESSMENT = "security_assessment", "Security assessment"
    PRIVACY_ASSESSMENT = "privacy_assessment", "Data protection impact assessment"
    VENDOR_DOCUMENTATION = "vendor_documentation", "Vendor documentation"
    SIGN_OFF = "sign_off", "Sign-off or minutes"
    OTHER = "other", "Other"


def evidence_path(instance: Evidence, filename: str) -> str:
    """Storage names never come from the uploader: asset id / version id / a random name."""
    return f"evidence/{instance.asset_id}/{instance.version_id}/{filename}"


class EvidenceQuerySet(models.QuerySet["Evidence"]):
    def current(self) -> EvidenceQuerySet:
        return self.filter(superseded_at__isnull=True)

    def delete(self) -> tuple[int, dict[str, int]]:
        raise ValueError("Evidence is never deleted: supersede it instead.")


class Evidence(models.Model):
    """One uploaded file. Its sha256, size and detected type are fixed at upload; a database trigger
    refuses DELETE. Superseding (by a newer file, or withdrawing with a reason) keeps the row and file.
    """

    asset = models.ForeignKey("inventory.Asset", on_delete=models.PROTECT, related_name="evidence")
    version = models.ForeignKey("inventory.AssetVersion", on_delete=models.PROTECT, related_name="evidence")
    label = models.CharField(max_length=200)
    kind = models.CharField(max_length=30, choices=EvidenceKind.choices)
    file = models.FileField(upload_to=evidence_path, max_length=300)
    original_name = models.CharField(max_length=255, help_text="The uploader's file name, shown only.")
    content_type = models.CharField(max_length=120, help_text="Detected from the content, not the name.")
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_by_name = models.CharField(max_length=150)
    uploaded_at = models.DateTimeField(default=timezone.now)
    superseded_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="supersedes"
    )
    superseded_at = models.DateTimeField(null=True, blank=True)
    superseded_reason = models.CharField(max_length=500, blank=True)

    objects = EvidenceQuerySet.as_manager()

    class Meta:
        ordering = ["-uploaded_at", "-pk"]
        verbose_name_plural = "evidence"
        constraints = [
            models.CheckConstraint(condition=Q(size__gt=0), name="evidence_not_empty"),
            models.CheckConstraint(condition=Q(kind__in=EvidenceKind.values), name="evidence_known_kind"),
            models.CheckConstraint(
                condition=Q(superseded_by__isnull=True) | Q(superseded_at__isnull=False),
                name="evidence_superseded_has_time",
            ),
        ]
        indexes = [models.Index(fields=["version", "superseded_at"])]

    def __str__(self) -> str:
        return self.label

    def get_absolute_url(self) -> str:
        return reverse("evidence:download", args=[self.pk])

    @property
    def is_current(self) -> bool:
        return self.superseded_at is None

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ValueError("Evidence is never deleted: supersede it instead.")
