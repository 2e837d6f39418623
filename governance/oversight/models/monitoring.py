"""Monitoring records: a version's plan of watched metrics, and the observations pushed against it.

A plan belongs to one version and is part of its review digest, so it is edited only while the
version's content is editable (it is frozen with the version once approved). Observations are
facts: unique per (version, metric, window, segment), never overwritten, each stored with the
status its value had against the plan when it arrived.
"""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

metric_key_validator = RegexValidator(
    r"^[a-z][a-z0-9_.-]{0,63}$",
    "Use 1 to 64 lower-case letters, digits, “_”, “-” or “.”, starting with a letter (e.g. auc, psi_income).",
)


class MetricKind(models.TextChoices):
    PERFORMANCE = "performance", "Performance"
    DRIFT = "drift", "Drift"
    FAIRNESS = "fairness", "Fairness (per group)"
    DATA_QUALITY = "data_quality", "Data quality"
    LATENCY = "latency", "Latency"
    OTHER = "other", "Other"


class Direction(models.TextChoices):
    HIGHER_IS_BETTER = "higher_is_better", "Higher is better"
    LOWER_IS_BETTER = "lower_is_better", "Lower is better"


class ObservationStatus(models.TextChoices):
    OK = "ok", "Within thresholds"
    WARNING = "warning", "Warning"
    BREACH = "breach", "Breach"


class MonitoringPlan(models.Model):
    """The monitoring plan of one version: its watched metrics, in the review digest from digest version 2."""

    version = models.OneToOneField(
        "inventory.AssetVersion", on_delete=models.PROTECT, related_name="monitoring_plan"
    )
    notes = models.TextField(
        blank=True, help_text="How the version is monitored: data sources, cadence, who watches the alerts."
    )
    revision = models.PositiveIntegerField(default=1, help_text="Goes up by one with every change.")
    # Not part of the plan's content (nor of the digest): kept by the ingest, read by freshness checks.
    last_observed_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="End of the latest window observed for the version."
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by_name = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"Monitoring plan of {self.version}"


class WatchedMetric(models.Model):
    """One watched metric: what it measures, which way is better, and its warning and breach thresholds.

    Higher is better: a value below the breach threshold is a breach, below the warning one a warning.
    Lower is better: above the breach threshold is a breach, above the warning one a warning. A value
    equal to a threshold is still within it.
    """

    plan = models.ForeignKey(MonitoringPlan, on_delete=models.CASCADE, related_name="metrics")
    key = models.CharField(
        max_length=64, validators=[metric_key_validator], help_text="What observations call it, e.g. auc."
    )
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=MetricKind.choices)
    feature = models.CharField(
        max_length=200,
        blank=True,
        help_text="Drift and data quality: the feature watched. Fairness: the protected attribute.",
    )
    direction = models.CharField(max_length=20, choices=Direction.choices)
    warning_threshold = models.FloatField(null=True, blank=True)
    breach_threshold = models.FloatField()
    unit = models.CharField(max_length=30, blank=True, help_text="e.g. ms or %; shown beside values.")
    suspend_on_breach = models.BooleanField(
        default=False,
        help_text="A breach suspends the version if it is deployed (unless the approval policy decides).",
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["plan", "position", "key"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "key"], name="watched_metric_key_unique_per_plan"),
            models.CheckConstraint(condition=Q(kind__in=MetricKind.values), name="watched_metric_known_kind"),
            models.CheckConstraint(
                condition=Q(direction__in=Direction.values), name="watched_metric_known_direction"
            ),
            # The warning threshold lies on the good side of the breach threshold (or is absent).
            models.CheckConstraint(
                condition=Q(warning_threshold__isnull=True)
                | Q(direction=Direction.HIGHER_IS_BETTER, warning_threshold__gte=F("breach_threshold"))
                | Q(direction=Direction.LOWER_IS_BETTER, warning_threshold__lte=F("breach_threshold")),
                name="watched_metric_warning_before_breach",
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.key


class ObservationBatch(models.Model):
    """One accepted ingest batch: who sent it and what it held. Its audit event stands for the batch.

    `evaluated_at` is set once its warnings and breaches have been acted on (findings, incidents,
    suspension), in the transaction that did it; batches without any are evaluated when stored.
    """

    received_at = models.DateTimeField(default=timezone.now)
    actor_kind = models.CharField(max_length=16)
    actor_id = models.CharField(max_length=64)
    actor_name = models.CharField(max_length=200, help_text="Snapshot of the sender's name.")
    request_id = models.CharField(max_length=64, blank=True)
    size = models.PositiveIntegerField(help_text="Observations in the request.")
    stored = models.PositiveIntegerField(help_text="Observations new to Steward.")
    duplicates = models.PositiveIntegerField(help_text="Observations already recorded (ignored).")
    warnings = models.PositiveIntegerField(default=0)
    breaches = models.PositiveIntegerField(default=0)
    versions = models.ManyToManyField("inventory.AssetVersion", related_name="+")
    evaluated_at = models.DateTimeField(
        null=True, blank=True, help_text="When its warnings and breaches were acted on (empty: not yet)."
    )

    class Meta:
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(stored__lte=F("size")) & Q(duplicates__lte=F("size")),
                name="observation_batch_counts_fit",
            )
        ]
        indexes = [
            models.Index(
                fields=["received_at"],
                condition=Q(evaluated_at__isnull=True),
                name="observation_batch_pending",
            )
        ]

    def __str__(self) -> str:
        return f"Observation batch {self.pk} ({self.size} observations)"


class Observation(models.Model):
    """One measured value of a watched metric over a time window, optionally for one segment or group."""

    # No single-column indexes on version and metric: the unique and "recent" indexes lead with them.
    version = models.ForeignKey(
        "inventory.AssetVersion", on_delete=models.PROTECT, related_name="observations", db_index=False
    )
    metric = models.ForeignKey(
        WatchedMetric, on_delete=models.PROTECT, related_name="observations", db_index=False
    )
    value = models.FloatField()
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    segment = models.CharField(
        max_length=100,
        blank=True,
        default="",
        help_text="Empty for the whole population, else e.g. sex=female.",
    )
    status = models.CharField(max_length=10, choices=ObservationStatus.choices)
    batch = models.ForeignKey(
        ObservationBatch, on_delete=models.PROTECT, related_name="observations", db_index=False
    )
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["version", "metric", "window_end"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "metric", "window_start", "window_end", "segment"],
                name="observation_unique_per_window",
            ),
            models.CheckConstraint(
                condition=Q(window_end__gte=F("window_start")), name="observation_window_ordered"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ObservationStatus.values), name="observation_known_status"
            ),
        ]
        # Few indexes, since every batch writes a thousand rows: the unique one serves (version, metric)
        # lookups, "recent" serves charts, and only warnings and breaches are looked up by batch.
        indexes = [
            models.Index(fields=["version", "window_end"], name="observation_version_recent"),
            models.Index(
                fields=["batch"], condition=~Q(status=ObservationStatus.OK), name="observation_batch_alerts"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.metric_id} = {self.value} ({self.window_start:%Y-%m-%d} to {self.window_end:%Y-%m-%d})"
