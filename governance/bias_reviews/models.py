"""Bias reviews (DESIGN §2): per-group fairness metrics against thresholds, a verdict and a sign-off.

Thresholds are copied onto the review when it is created, so a later policy change never rewrites a
past judgement. Metrics are entered by hand or computed from a predictions file, which is purged
after computation (EU AI Act Art. 10(5)); its hash and the aggregates stay.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone


class Verdict(models.TextChoices):
    PASS = "pass", "Pass"
    PASS_WITH_MITIGATION = "pass_with_mitigation", "Pass with mitigation"
    FAIL = "fail", "Fail"


# Verdicts that satisfy the bias-review gate once signed off.
PASSING_VERDICTS = frozenset({Verdict.PASS, Verdict.PASS_WITH_MITIGATION})


class MetricsSource(models.TextChoices):
    NONE = "", "Not recorded"
    MANUAL = "manual", "Entered by hand"
    COMPUTED = "computed", "Computed from a predictions file"


class BiasReview(models.Model):
    """One bias review of a version. Editable until signed off; signed reviews never change."""

    asset = models.ForeignKey("inventory.Asset", on_delete=models.PROTECT, related_name="bias_reviews")
    version = models.ForeignKey(
        "inventory.AssetVersion", on_delete=models.PROTECT, related_name="bias_reviews"
    )
    protected_attributes = models.JSONField(default=list, help_text="Names of the protected attributes.")
    evaluation_data = models.TextField(help_text="Which data the metrics were computed on, and why it fits.")
    thresholds = models.JSONField(help_text="Copied from the matching policy (or the default) at creation.")
    threshold_source = models.CharField(max_length=200)
    metrics_source = models.CharField(max_length=10, choices=MetricsSource.choices, blank=True, default="")
    metrics_sha256 = models.CharField(max_length=64, blank=True)
    metrics_recorded_at = models.DateTimeField(null=True, blank=True)
    thresholds_met = models.BooleanField(
        null=True, help_text="Every protected attribute meets every threshold."
    )
    verdict = models.CharField(max_length=30, choices=Verdict.choices, blank=True)
    mitigation_plan = models.TextField(blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewer_name = models.CharField(max_length=150, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["version"],
                condition=Q(signed_at__isnull=True),
                name="bias_review_one_open_per_version",
            ),
            models.CheckConstraint(
                condition=Q(signed_at__isnull=True) | (~Q(verdict="") & Q(reviewer__isnull=False)),
                name="bias_review_signed_has_verdict",
            ),
            models.CheckConstraint(
                condition=~Q(verdict=Verdict.PASS_WITH_MITIGATION) | ~Q(mitigation_plan=""),
                name="bias_review_mitigation_has_plan",
            ),
            models.CheckConstraint(
                condition=Q(verdict="") | Q(verdict__in=Verdict.values), name="bias_review_known_verdict"
            ),
        ]

    def __str__(self) -> str:
        return f"Bias review of {self.version}"

    def get_absolute_url(self) -> str:
        return reverse("bias_reviews:review", args=[self.pk])

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None

    @property
    def passed(self) -> bool:
        return self.is_signed and self.verdict in PASSING_VERDICTS


class AttributeResult(models.Model):
    """The fairness summary of one protected attribute (or their intersection) in a review."""

    review = models.ForeignKey(BiasReview, on_delete=models.CASCADE, related_name="results")
    position = models.PositiveSmallIntegerField()
    attribute = models.CharField(max_length=300)
    intersectional = models.BooleanField(
        default=False, help_text="Informational: not held to the thresholds."
    )
    demographic_parity_difference = models.FloatField(null=True)
    demographic_parity_ratio = models.FloatField(null=True)
    equalized_odds_difference = models.FloatField(null=True)
    meets_thresholds = models.BooleanField()
    failures = models.JSONField(default=list)
    notes = models.JSONField(default=list, help_text="Caveats, e.g. groups without positive labels.")

    class Meta:
        ordering = ["review", "position"]
        constraints = [
            models.UniqueConstraint(fields=["review", "attribute"], name="attribute_result_unique"),
        ]

    def __str__(self) -> str:
        return self.attribute


class GroupMetric(models.Model):
    """Metrics of one group of one attribute. Rates are floats as computed or entered (None: undefined)."""

    result = models.ForeignKey(AttributeResult, on_delete=models.CASCADE, related_name="groups")
    position = models.PositiveIntegerField()
    group = models.CharField(max_length=300)
    count = models.PositiveIntegerField(null=True)
    positives = models.PositiveIntegerField(null=True, help_text="Actual positives (y_true = 1).")
    selection_rate = models.FloatField()
    true_positive_rate = models.FloatField(null=True)
    false_positive_rate = models.FloatField(null=True)
    accuracy = models.FloatField(null=True)
    meets_threshold = models.BooleanField()

    class Meta:
        ordering = ["result", "position"]
        constraints = [
            models.UniqueConstraint(fields=["result", "group"], name="group_metric_unique"),
            models.CheckConstraint(
                condition=Q(selection_rate__gte=0) & Q(selection_rate__lte=1), name="group_selection_rate_0_1"
            ),
        ]

    def __str__(self) -> str:
        return self.group


class ComputationStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Computing"
    SUCCEEDED = "succeeded", "Computed"
    FAILED = "failed", "Failed"


def predictions_path(instance: PredictionsFile, filename: str) -> str:
    return f"predictions/{instance.review_id}/{filename}"


class PredictionsFile(models.Model):
    """An uploaded predictions file and its computation job. The file is purged after computation
    (on success or failure) once its retention has passed; its sha256 and the results stay."""

    review = models.ForeignKey(BiasReview, on_delete=models.PROTECT, related_name="predictions_files")
    file = models.FileField(upload_to=predictions_path, max_length=300, blank=True)
    original_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=120)
    columns = models.JSONField(help_text='{"y_true": …, "y_pred": …, "score": … or null, "groups": [...]}')
    status = models.CharField(
        max_length=10, choices=ComputationStatus.choices, default=ComputationStatus.QUEUED
    )
    error = models.TextField(blank=True)
    row_count = models.PositiveIntegerField(null=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    purge_after = models.DateTimeField(null=True, blank=True)
    purged_at = models.DateTimeField(null=True, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-uploaded_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(size__gt=0), name="predictions_not_empty"),
            models.CheckConstraint(
                condition=Q(purged_at__isnull=True) | Q(file=""), name="predictions_purged_has_no_file"
            ),
        ]
        indexes = [models.Index(fields=["status"]), models.Index(fields=["purge_after"])]

    def __str__(self) -> str:
        return f"Predictions {self.original_name} ({self.sha256[:12]}…)"
