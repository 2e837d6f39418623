"""Monitoring API shapes. Serializers check shape only; the plan and ingest services decide the rest."""

from __future__ import annotations

from rest_framework import serializers

from governance.oversight.models.monitoring import (
    Direction,
    MetricKind,
    MonitoringPlan,
    Observation,
    ObservationStatus,
    WatchedMetric,
)
from governance.oversight.monitoring.parsing import MAX_BATCH, MAX_SEGMENT
from governance.oversight.monitoring.plans import MAX_METRICS


class WatchedMetricSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=MetricKind.choices)
    direction = serializers.ChoiceField(choices=Direction.choices)

    class Meta:
        model = WatchedMetric
        fields = [
            "key",
            "name",
            "kind",
            "feature",
            "direction",
            "warning_threshold",
            "breach_threshold",
            "unit",
            "suspend_on_breach",
        ]
        extra_kwargs = {"name": {"required": False, "allow_blank": True}}
        validators: list[object] = []  # key uniqueness within the plan is answered by the service


class MonitoringPlanSerializer(serializers.ModelSerializer):
    version = serializers.IntegerField(source="version_id", read_only=True)
    metrics = WatchedMetricSerializer(many=True, read_only=True)
    editable = serializers.SerializerMethodField()

    class Meta:
        model = MonitoringPlan
        fields = [
            "version",
            "revision",
            "notes",
            "metrics",
            "editable",
            "created_at",
            "updated_at",
            "updated_by_name",
        ]
        read_only_fields = fields

    def get_editable(self, plan: MonitoringPlan) -> bool:
        return bool(self.context.get("editable", False))


class MonitoringPlanInputSerializer(serializers.Serializer):
    notes = serializers.CharField(required=False, allow_blank=True, default="", max_length=10_000)
    metrics = WatchedMetricSerializer(many=True, max_length=MAX_METRICS)  # type: ignore[call-arg]


class ObservationInputSerializer(serializers.Serializer):
    """One observation (documentation of the ingest body; the ingest service checks every item itself)."""

    version = serializers.IntegerField(required=False, help_text="The version's id; defaults to the batch's.")
    metric = serializers.CharField(help_text="The metric's key in the version's monitoring plan, e.g. auc.")
    value = serializers.FloatField(help_text="A finite number (NaN and infinities are refused).")
    window_start = serializers.DateTimeField(help_text="ISO 8601 with a time zone.")
    window_end = serializers.DateTimeField(help_text="ISO 8601 with a time zone; not before window_start.")
    segment = serializers.CharField(
        required=False, allow_blank=True, max_length=MAX_SEGMENT, help_text="e.g. sex=female; empty for all."
    )


class ObservationBatchInputSerializer(serializers.Serializer):
    version = serializers.IntegerField(required=False, help_text="Default version for items that name none.")
    observations = ObservationInputSerializer(  # type: ignore[call-arg]  # ListSerializer takes these
        many=True, max_length=MAX_BATCH, min_length=1
    )


class IngestAlertSerializer(serializers.Serializer):
    version = serializers.IntegerField(source="version.pk")
    metric = serializers.CharField(source="metric.key")
    status = serializers.CharField()
    observations = serializers.IntegerField(source="count")
    worst_value = serializers.FloatField(source="worst.value")
    window_end = serializers.DateTimeField(source="worst.window_end")
    segment = serializers.CharField(source="worst.segment")


class IngestResultSerializer(serializers.Serializer):
    batch = serializers.IntegerField(source="batch.pk")
    size = serializers.IntegerField(source="batch.size")
    stored = serializers.IntegerField(source="batch.stored")
    duplicates = serializers.IntegerField(source="batch.duplicates")
    warnings = serializers.IntegerField(source="batch.warnings")
    breaches = serializers.IntegerField(source="batch.breaches")
    alerts = IngestAlertSerializer(source="outcomes", many=True)
    evaluation = serializers.SerializerMethodField(
        help_text="“queued”: findings, incidents and suspensions follow within seconds; "
        "“done”: nothing to act on."
    )

    def get_evaluation(self, result: object) -> str:
        return "done" if result.batch.evaluated_at else "queued"  # type: ignore[attr-defined]


class BatchProblemSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="Position of the observation in the batch (from 0).")
    field = serializers.CharField()
    reason = serializers.CharField()


class BatchRejectedSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()
    items = BatchProblemSerializer(many=True, required=False)  # absent when the body is not JSON at all


class ObservationSerializer(serializers.ModelSerializer):
    metric = serializers.CharField(source="metric.key")
    batch = serializers.IntegerField(source="batch_id")

    class Meta:
        model = Observation
        fields = [
            "id",
            "metric",
            "value",
            "window_start",
            "window_end",
            "segment",
            "status",
            "batch",
            "received_at",
        ]
        read_only_fields = fields


class ObservationFilterSerializer(serializers.Serializer):
    metric = serializers.CharField(required=False)
    segment = serializers.CharField(required=False, allow_blank=True)
    status = serializers.ChoiceField(required=False, choices=ObservationStatus.choices)
    since = serializers.DateTimeField(required=False, help_text="window_end at or after (ISO 8601).")
    until = serializers.DateTimeField(required=False, help_text="window_end before (ISO 8601).")
