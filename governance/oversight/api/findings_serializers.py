"""API shapes of the findings register."""

from __future__ import annotations

from rest_framework import serializers

from governance.accounts.models import User
from governance.inventory.models import Asset, AssetVersion
from governance.oversight.models import Finding, FindingComment, FindingLink, FindingStatus, Severity


class FindingCommentSerializer(serializers.ModelSerializer):
    class Meta:
        model = FindingComment
        fields = ["id", "author_name", "body", "status_change", "created_at"]
        read_only_fields = fields


class FindingLinkSerializer(serializers.ModelSerializer):
    class Meta:
        model = FindingLink
        fields = ["id", "object_type", "object_id", "label", "linked_by_name", "linked_at"]
        read_only_fields = fields


class FindingSerializer(serializers.ModelSerializer):
    asset = serializers.SlugRelatedField(slug_field="slug", queryset=Asset.objects.all())
    version = serializers.PrimaryKeyRelatedField(
        queryset=AssetVersion.objects.all(), required=False, allow_null=True
    )
    owner = serializers.SlugRelatedField(
        slug_field="username", queryset=User.objects.filter(is_active=True), required=False, allow_null=True
    )
    severity = serializers.ChoiceField(choices=Severity.choices)
    comments = FindingCommentSerializer(many=True, read_only=True)
    links = FindingLinkSerializer(many=True, read_only=True)
    risk_accepted_by: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )

    class Meta:
        model = Finding
        fields = [
            "id",
            "asset",
            "version",
            "title",
            "description",
            "severity",
            "status",
            "source",
            "source_ref",
            "owner",
            "due_date",
            "raised_by_name",
            "risk_accepted_by",
            "risk_accepted_until",
            "closed_at",
            "created_at",
            "updated_at",
            "comments",
            "links",
        ]
        read_only_fields = [
            "status",
            "source",
            "source_ref",
            "raised_by_name",
            "risk_accepted_by",
            "risk_accepted_until",
            "closed_at",
            "created_at",
            "updated_at",
        ]


class FindingUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    severity = serializers.ChoiceField(choices=Severity.choices, required=False)
    owner = serializers.SlugRelatedField(
        slug_field="username", queryset=User.objects.filter(is_active=True), required=False, allow_null=True
    )
    due_date = serializers.DateField(required=False, allow_null=True)


class StatusCommandSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=FindingStatus.choices)
    note = serializers.CharField(max_length=4000)
    accepted_until = serializers.DateField(required=False, allow_null=True, default=None)


class CommentCommandSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=8000)
