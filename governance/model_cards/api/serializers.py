"""Documentation API shapes. Serializers check shape; services decide what is allowed and valid."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from governance.inventory.models import Asset, AssetVersion
from governance.model_cards.models import Document, DocumentKind, DocumentTemplate, Revision, TemplateVersion


class TemplateVersionSerializer(serializers.ModelSerializer):
    created_by: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = TemplateVersion
        fields = ["number", "name", "description", "sections", "created_by", "created_at"]


class TemplateSerializer(serializers.ModelSerializer):
    current = TemplateVersionSerializer(source="current_version", read_only=True)

    class Meta:
        model = DocumentTemplate
        fields = ["slug", "kind", "is_active", "current", "created_at"]


class TemplateWriteSerializer(serializers.Serializer):
    """Create (slug, kind, name and sections) or update (any of name, description, sections, is_active)."""

    slug = serializers.SlugField(max_length=60, required=False)
    kind = serializers.ChoiceField(choices=DocumentKind.choices, required=False)
    name = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(allow_blank=True, required=False)
    sections = serializers.ListField(child=serializers.DictField(), required=False)
    is_active = serializers.BooleanField(required=False)


class RevisionSerializer(serializers.ModelSerializer):
    template = serializers.CharField(source="template_version.template.slug", read_only=True)
    template_version = serializers.IntegerField(source="template_version.number", read_only=True)
    author: serializers.SlugRelatedField = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Revision
        fields = [
            "id",
            "number",
            "template",
            "template_version",
            "sha256",
            "is_complete",
            "missing",
            "summary",
            "source",
            "based_on",
            "author",
            "author_name",
            "created_at",
            "content",
        ]


class RevisionSummarySerializer(RevisionSerializer):
    class Meta(RevisionSerializer.Meta):
        fields = [f for f in RevisionSerializer.Meta.fields if f != "content"]


class DocumentSerializer(serializers.ModelSerializer):
    asset: serializers.SlugRelatedField = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    version: serializers.PrimaryKeyRelatedField = serializers.PrimaryKeyRelatedField(read_only=True)
    template: serializers.SlugRelatedField = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    is_final = serializers.BooleanField(read_only=True)
    is_complete = serializers.BooleanField(read_only=True)
    finalised_by: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    final_revision = serializers.IntegerField(source="final_revision.number", read_only=True, allow_null=True)
    current_revision = RevisionSerializer(read_only=True)
    sections = serializers.SerializerMethodField()

    class Meta:
        model = Document
        fields = [
            "id",
            "kind",
            "asset",
            "version",
            "template",
            "is_complete",
            "is_final",
            "final_revision",
            "finalised_by",
            "finalised_at",
            "created_at",
            "updated_at",
            "sections",
            "current_revision",
        ]

    def get_sections(self, document: Document) -> list[dict[str, Any]]:
        """The section specs the next revision follows (the template's current version)."""
        version = document.template.current_version
        return list(version.sections) if version else []


class DocumentCreateSerializer(serializers.Serializer):
    version = serializers.PrimaryKeyRelatedField(queryset=AssetVersion.objects.none(), required=False)
    asset: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="slug", queryset=Asset.objects.none(), required=False
    )
    kind = serializers.ChoiceField(choices=DocumentKind.choices, required=False)
    template: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="slug", queryset=DocumentTemplate.objects.filter(is_active=True), required=False
    )
    start_from_previous = serializers.BooleanField(
        default=False, help_text="Copy the previous version's document of this kind as revision 1."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if bool(attrs.get("version")) == bool(attrs.get("asset")):
            raise serializers.ValidationError({"version": "Give either a version or an asset."})
        if not attrs.get("kind") and not attrs.get("template"):
            raise serializers.ValidationError({"kind": "Give a kind or a template."})
        if attrs.get("start_from_previous") and not attrs.get("version"):
            raise serializers.ValidationError(
                {"start_from_previous": "Only a version's document can start from the previous version's."}
            )
        return attrs


class RevisionCreateSerializer(serializers.Serializer):
    content = serializers.DictField(required=False, help_text="Every section's value (replaces the content).")
    sections = serializers.DictField(required=False, help_text="Only the sections to change (merged).")
    summary = serializers.CharField(max_length=300, allow_blank=True, default="")
    expected_revision = serializers.IntegerField(
        min_value=0, required=False, help_text="The revision number you edited; 409 if someone saved since."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("content" in attrs) == ("sections" in attrs):
            raise serializers.ValidationError({"content": "Give either content or sections."})
        return attrs


class FinaliseSerializer(serializers.Serializer):
    expected_revision = serializers.IntegerField(min_value=1, required=False)


class ImportSerializer(serializers.Serializer):
    format = serializers.ChoiceField(
        choices=[("json", "Steward JSON"), ("markdown", "Hugging Face Markdown")]
    )
    export = serializers.JSONField(required=False, help_text="The JSON export (format json).")
    text = serializers.CharField(
        required=False, trim_whitespace=False, help_text="The Markdown (format markdown)."
    )
    file = serializers.FileField(required=False, help_text="Or upload the export as a file.")
    summary = serializers.CharField(max_length=300, allow_blank=True, default="")
    expected_revision = serializers.IntegerField(min_value=0, required=False)


class DiffQuerySerializer(serializers.Serializer):
    from_revision = serializers.IntegerField(min_value=1)
    to_revision = serializers.IntegerField(min_value=1)


class SegmentSerializer(serializers.Serializer):
    text = serializers.CharField()
    changed = serializers.BooleanField()


class SectionDiffSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    status = serializers.ChoiceField(choices=["unchanged", "changed", "added", "removed"])
    side_by_side = serializers.ListField(child=serializers.DictField())
    inline = serializers.ListField(child=serializers.DictField())
