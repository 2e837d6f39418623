"""Evidence API shapes."""

from __future__ import annotations

from rest_framework import serializers

from governance.evidence.models import Evidence, EvidenceKind
from governance.inventory.models import AssetVersion


class EvidenceSerializer(serializers.ModelSerializer):
    asset: serializers.SlugRelatedField = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    uploaded_by: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    is_current = serializers.BooleanField(read_only=True)
    download_url = serializers.HyperlinkedIdentityField(view_name="api-evidence-download")

    class Meta:
        model = Evidence
        fields = [
            "id",
            "asset",
            "version",
            "label",
            "kind",
            "original_name",
            "content_type",
            "size",
            "sha256",
            "uploaded_by",
            "uploaded_at",
            "is_current",
            "superseded_by",
            "superseded_at",
            "superseded_reason",
            "download_url",
        ]


class EvidenceUploadSerializer(serializers.Serializer):
    version = serializers.PrimaryKeyRelatedField(queryset=AssetVersion.objects.none())
    label = serializers.CharField(max_length=200)  # type: ignore[assignment]  # a field named "label"
    kind = serializers.ChoiceField(choices=EvidenceKind.choices)
    file = serializers.FileField(allow_empty_file=True, help_text="Its type is detected from its content.")
    supersedes = serializers.PrimaryKeyRelatedField(
        queryset=Evidence.objects.none(),
        required=False,
        help_text="Evidence of the same version this replaces.",
    )


class SupersedeSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)
