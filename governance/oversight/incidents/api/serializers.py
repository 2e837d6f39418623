"""Incident API shapes. Serializers check shape; the incident services decide what is allowed."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from governance.evidence.models import Evidence
from governance.inventory.models import Asset, AssetVersion
from governance.oversight.incidents.deadlines import countdown
from governance.oversight.models.findings import Finding, Severity
from governance.oversight.models.incidents import Incident, IncidentFile, IncidentKind, IncidentStatus


class IncidentKindSerializer(serializers.ModelSerializer):
    class Meta:
        model = IncidentKind
        fields = [
            "slug",
            "name",
            "description",
            "legal_basis",
            "reportable",
            "report_within_days",
            "active",
            "updated_at",
        ]
        read_only_fields = ["updated_at"]
        extra_kwargs: dict[str, dict[str, Any]] = {"slug": {"validators": []}}


class IncidentKindUpdateSerializer(IncidentKindSerializer):
    class Meta(IncidentKindSerializer.Meta):
        read_only_fields = ["slug", "updated_at"]


class CountdownSerializer(serializers.Serializer):
    seconds = serializers.IntegerField(help_text="Seconds left (negative once overdue).")
    overdue = serializers.BooleanField()
    text = serializers.CharField()


class IncidentFileSerializer(serializers.ModelSerializer):
    download = serializers.SerializerMethodField()

    class Meta:
        model = IncidentFile
        fields = [
            "id",
            "purpose",
            "label",
            "original_name",
            "content_type",
            "size",
            "sha256",
            "uploaded_by_name",
            "uploaded_at",
            "download",
        ]
        read_only_fields = fields

    def get_download(self, attached: IncidentFile) -> str:
        return f"/api/v1/incidents/{attached.incident_id}/files/{attached.pk}/download/"


class IncidentFileInputSerializer(serializers.Serializer):
    label = serializers.CharField(max_length=200)  # type: ignore[assignment]  # a field named "label"
    file = serializers.FileField()


class IncidentSerializer(serializers.ModelSerializer):
    reference: serializers.CharField = serializers.CharField(read_only=True)
    asset: serializers.SlugRelatedField = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    version: serializers.PrimaryKeyRelatedField = serializers.PrimaryKeyRelatedField(read_only=True)
    version_label = serializers.CharField(source="version.label", read_only=True, default=None)
    kind: serializers.SlugRelatedField = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    kind_name = serializers.CharField(source="kind.name", read_only=True)
    metric = serializers.CharField(source="metric.key", read_only=True, default=None)
    findings: serializers.PrimaryKeyRelatedField[Finding] = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True
    )
    evidence: serializers.PrimaryKeyRelatedField[Evidence] = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True
    )
    files = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()
    countdown = serializers.SerializerMethodField()

    class Meta:
        model = Incident
        fields = [
            "id",
            "reference",
            "asset",
            "version",
            "version_label",
            "kind",
            "kind_name",
            "severity",
            "title",
            "description",
            "status",
            "detected_at",
            "report_due_at",
            "overdue",
            "countdown",
            "reported_at",
            "report_recipient",
            "report_reference",
            "report_notes",
            "reported_by_name",
            "findings",
            "evidence",
            "files",
            "metric",
            "opened_by_name",
            "resolution",
            "closed_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(IncidentFileSerializer(many=True))
    def get_files(self, incident: Incident) -> list[dict[str, Any]]:
        return IncidentFileSerializer(incident.files.all(), many=True, context=self.context).data  # type: ignore[return-value]

    def get_overdue(self, incident: Incident) -> bool:
        return incident.is_overdue()

    @extend_schema_field(CountdownSerializer(allow_null=True))
    def get_countdown(self, incident: Incident) -> dict[str, Any] | None:
        if incident.report_due_at is None or incident.reported_at is not None:
            return None
        left = countdown(incident.report_due_at, timezone.now())
        return {"seconds": left.seconds, "overdue": left.overdue, "text": left.text}


class VisibleObjectsMixin:
    """Asset, version and finding fields resolve only among objects the caller may see."""

    def get_fields(self) -> dict[str, Any]:
        from lifecycle.queries import visible_assets, visible_versions

        fields = super().get_fields()  # type: ignore[misc]
        request = self.context.get("request")  # type: ignore[attr-defined]
        if request is not None:
            user = request.user
            if "asset" in fields:
                fields["asset"].queryset = visible_assets(user)
            if "version" in fields:
                fields["version"].queryset = visible_versions(user)
            if "findings" in fields:
                fields["findings"].child_relation.queryset = Finding.objects.filter(
                    asset__in=visible_assets(user)
                )
            if "evidence" in fields:
                fields["evidence"].child_relation.queryset = Evidence.objects.filter(
                    asset__in=visible_assets(user)
                )
        return fields


class IncidentCreateSerializer(VisibleObjectsMixin, serializers.Serializer):
    asset = serializers.SlugRelatedField(slug_field="slug", queryset=Asset.objects.none())
    version = serializers.PrimaryKeyRelatedField(
        queryset=AssetVersion.objects.none(), required=False, allow_null=True
    )
    kind = serializers.SlugRelatedField(slug_field="slug", queryset=IncidentKind.objects.all())
    severity = serializers.ChoiceField(choices=Severity.choices)
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="", max_length=20_000)
    detected_at = serializers.DateTimeField(required=False, help_text="Defaults to now.")
    findings = serializers.PrimaryKeyRelatedField(many=True, queryset=Finding.objects.none(), required=False)
    evidence = serializers.PrimaryKeyRelatedField(many=True, queryset=Evidence.objects.none(), required=False)


class IncidentUpdateSerializer(VisibleObjectsMixin, serializers.Serializer):
    kind = serializers.SlugRelatedField(
        slug_field="slug", queryset=IncidentKind.objects.all(), required=False
    )
    severity = serializers.ChoiceField(choices=Severity.choices, required=False)
    status = serializers.ChoiceField(choices=IncidentStatus.choices, required=False)
    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(required=False, allow_blank=True, max_length=20_000)
    resolution = serializers.CharField(required=False, allow_blank=True, max_length=20_000)
    findings = serializers.PrimaryKeyRelatedField(many=True, queryset=Finding.objects.none(), required=False)
    evidence = serializers.PrimaryKeyRelatedField(many=True, queryset=Evidence.objects.none(), required=False)


class ReportSentSerializer(serializers.Serializer):
    sent_at = serializers.DateTimeField(help_text="When the report left (ISO 8601).")
    recipient = serializers.CharField(
        max_length=200, help_text="The authority, e.g. a market surveillance authority."
    )
    reference = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    notes = serializers.CharField(required=False, allow_blank=True, default="", max_length=20_000)
    copy = serializers.FileField(
        required=False, help_text="A copy of the report (multipart), kept with the incident."
    )


class IncidentFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=IncidentStatus.choices, required=False)
    kind = serializers.CharField(required=False)
    severity = serializers.ChoiceField(choices=Severity.choices, required=False)
    asset = serializers.CharField(required=False)
    version = serializers.IntegerField(required=False)
    active = serializers.BooleanField(required=False, allow_null=True, default=None)
    overdue = serializers.BooleanField(required=False, allow_null=True, default=None)
    pending = serializers.BooleanField(required=False, allow_null=True, default=None)
