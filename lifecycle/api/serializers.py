"""Lifecycle API shapes: the transition command, history rows, point-in-time answers."""

from __future__ import annotations

from rest_framework import serializers

from lifecycle.models import StageTransition


class TransitionCommandSerializer(serializers.Serializer):
    to = serializers.CharField(max_length=30, help_text="The target stage, e.g. submitted.")
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    expected_from = serializers.CharField(
        required=False,
        allow_null=True,
        default=None,
        max_length=30,
        help_text="Optional: refuse (409) unless the object is still in this stage.",
    )


class StageTransitionSerializer(serializers.ModelSerializer):
    class Meta:
        model = StageTransition
        fields = ["id", "kind", "source", "target", "actor_kind", "actor_id", "actor_name", "reason", "at"]
        read_only_fields = fields


class TransitionResultSerializer(serializers.Serializer):
    transition = StageTransitionSerializer()
    stage = serializers.CharField()


class AvailableTransitionSerializer(serializers.Serializer):
    to = serializers.CharField(source="edge.target")
    label = serializers.CharField(source="edge.label")  # type: ignore[assignment]
    reason_required = serializers.BooleanField(source="edge.reason_required")
    enabled = serializers.BooleanField()
    unmet = serializers.ListField(child=serializers.CharField())


class StageAtSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    stage = serializers.CharField(allow_null=True, help_text="null when the object did not exist yet.")


class StageAtQuerySerializer(serializers.Serializer):
    at = serializers.DateTimeField(help_text="ISO 8601 time, e.g. 2026-01-31T12:00:00Z.")
