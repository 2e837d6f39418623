"""Report API shapes."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from rest_framework import serializers

from governance.reports.models import AuditReport, ReportScope


class ReportRequestSerializer(serializers.Serializer):
    scope = serializers.ChoiceField(choices=ReportScope.choices)
    version = serializers.IntegerField(required=False, help_text="Version id (scope=version).")
    asset = serializers.IntegerField(required=False, help_text="Asset id (scope=asset).")
    events_from = serializers.DateTimeField(required=False, help_text="Start, inclusive (scope=events).")
    events_until = serializers.DateTimeField(required=False, help_text="End, exclusive (scope=events).")
    as_of = serializers.DateTimeField(required=False, help_text="Reconstruct the state at this past time.")


class ReportSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()
    asset: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True
    )
    version: serializers.PrimaryKeyRelatedField = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True
    )

    class Meta:
        model = AuditReport
        fields = [
            "id",
            "url",
            "scope",
            "title",
            "asset",
            "version",
            "events_from",
            "events_until",
            "as_of",
            "requested_by_name",
            "requested_at",
            "status",
            "progress",
            "progress_note",
            "attempts",
            "error",
            "finished_at",
            "download_url",
            "sha256",
            "size_bytes",
            "page_count",
            "bundle_sha256",
            "event_count",
            "chain_id",
            "checkpoint_size",
            "chain_head",
            "signer_fingerprint",
        ]
        read_only_fields = fields

    def _absolute(self, url: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url

    def get_url(self, obj: AuditReport) -> str:
        return self._absolute(reverse("api-report-detail", args=[obj.pk]))

    def get_download_url(self, obj: AuditReport) -> str | None:
        if obj.status != "done":
            return None
        return self._absolute(reverse("api-report-download", args=[obj.pk]))


class VerifyUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The report PDF.")


class CheckSerializer(serializers.Serializer):
    name = serializers.CharField()
    ok = serializers.BooleanField()
    message = serializers.CharField()


class VerificationSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    steward_report = serializers.BooleanField()
    summary = serializers.CharField()
    report_id = serializers.CharField(allow_null=True)
    title = serializers.CharField(allow_null=True)
    event_count = serializers.IntegerField()
    live = serializers.BooleanField()
    checks = CheckSerializer(many=True)

    def to_representation(self, instance: Any) -> Any:
        return instance.as_json() if hasattr(instance, "as_json") else instance
