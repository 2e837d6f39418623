"""Bias review API shapes."""

from __future__ import annotations

from rest_framework import serializers

from governance.bias_reviews.models import AttributeResult, BiasReview, GroupMetric, PredictionsFile, Verdict
from governance.inventory.models import AssetVersion


class GroupMetricSerializer(serializers.ModelSerializer):
    class Meta:
        model = GroupMetric
        fields = [
            "group",
            "count",
            "positives",
            "selection_rate",
            "true_positive_rate",
            "false_positive_rate",
            "accuracy",
            "meets_threshold",
        ]


class AttributeResultSerializer(serializers.ModelSerializer):
    groups = GroupMetricSerializer(many=True, read_only=True)

    class Meta:
        model = AttributeResult
        fields = [
            "attribute",
            "intersectional",
            "demographic_parity_difference",
            "demographic_parity_ratio",
            "equalized_odds_difference",
            "meets_thresholds",
            "failures",
            "notes",
            "groups",
        ]


class PredictionsFileSerializer(serializers.ModelSerializer):
    uploaded_by: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    purged = serializers.SerializerMethodField()

    class Meta:
        model = PredictionsFile
        fields = [
            "id",
            "original_name",
            "sha256",
            "size",
            "columns",
            "status",
            "error",
            "row_count",
            "uploaded_by",
            "uploaded_at",
            "finished_at",
            "purge_after",
            "purged_at",
            "purged",
        ]

    def get_purged(self, obj: PredictionsFile) -> bool:
        return obj.purged_at is not None


class BiasReviewSerializer(serializers.ModelSerializer):
    asset: serializers.SlugRelatedField = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    reviewer: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    passed = serializers.BooleanField(read_only=True)
    results = AttributeResultSerializer(many=True, read_only=True)
    predictions_files = PredictionsFileSerializer(many=True, read_only=True)

    class Meta:
        model = BiasReview
        fields = [
            "id",
            "asset",
            "version",
            "protected_attributes",
            "evaluation_data",
            "thresholds",
            "threshold_source",
            "metrics_source",
            "metrics_sha256",
            "metrics_recorded_at",
            "thresholds_met",
            "verdict",
            "mitigation_plan",
            "reviewer",
            "reviewer_name",
            "signed_at",
            "passed",
            "created_at",
            "updated_at",
            "results",
            "predictions_files",
        ]


class BiasReviewCreateSerializer(serializers.Serializer):
    version = serializers.PrimaryKeyRelatedField(queryset=AssetVersion.objects.none())
    protected_attributes = serializers.ListField(child=serializers.CharField(max_length=100), min_length=1)
    evaluation_data = serializers.CharField()


class BiasReviewUpdateSerializer(serializers.Serializer):
    protected_attributes = serializers.ListField(child=serializers.CharField(max_length=100), required=False)
    evaluation_data = serializers.CharField(required=False)
    mitigation_plan = serializers.CharField(allow_blank=True, required=False)


class ManualGroupSerializer(serializers.Serializer):
    group = serializers.CharField(max_length=300)
    count = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    selection_rate = serializers.FloatField(min_value=0, max_value=1)
    true_positive_rate = serializers.FloatField(min_value=0, max_value=1, required=False, allow_null=True)
    false_positive_rate = serializers.FloatField(min_value=0, max_value=1, required=False, allow_null=True)
    accuracy = serializers.FloatField(min_value=0, max_value=1, required=False, allow_null=True)


class ManualAttributeSerializer(serializers.Serializer):
    attribute = serializers.CharField(max_length=100)
    groups = ManualGroupSerializer(many=True)


class ManualMetricsSerializer(serializers.Serializer):
    attributes = ManualAttributeSerializer(many=True)


class PredictionsUploadSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True, help_text="CSV, or gzip-compressed CSV.")
    y_true = serializers.CharField(max_length=100, default="y_true")
    y_pred = serializers.CharField(max_length=100, default="y_pred")
    score = serializers.CharField(max_length=100, allow_blank=True, default="")
    groups = serializers.CharField(
        allow_blank=True,
        default="",
        help_text="Comma-separated group columns (default: every protected attribute).",
    )


class SignOffSerializer(serializers.Serializer):
    verdict = serializers.ChoiceField(choices=Verdict.choices)
    mitigation_plan = serializers.CharField(allow_blank=True, required=False)
