"""Integration API shapes. Serializers validate shape only; services decide what is allowed."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from governance.accounts.models import Team, User
from governance.integrations.events import GenericRegistryEventSerializer
from governance.integrations.models import (
    OutboxMessage,
    OutboxOperation,
    RegistryConnection,
    RegistryModelLink,
    WebhookDelivery,
)
from governance.inventory.models import AiActCategory, Asset

__all__ = ["GenericRegistryEventSerializer"]


class ConnectionSerializer(serializers.ModelSerializer):
    team = serializers.SlugRelatedField(slug_field="slug", queryset=Team.objects.all())
    default_owner = serializers.SlugRelatedField(
        slug_field="username", queryset=User.objects.filter(is_active=True)
    )
    service_user = serializers.SlugRelatedField(
        slug_field="username", queryset=User.objects.filter(is_active=True), required=False, allow_null=True
    )
    default_ai_act_category = serializers.ChoiceField(choices=AiActCategory.choices, required=False)
    production_aliases = serializers.ListField(
        child=serializers.CharField(max_length=100), max_length=20, required=False
    )
    callback_token = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=2000,
        help_text="Credential Steward uses to call the registry (write-only; stored encrypted).",
    )
    webhook_url = serializers.CharField(read_only=True, help_text="Point the registry's webhook here.")
    has_callback_token = serializers.SerializerMethodField()
    last_delivery_at = serializers.DateTimeField(read_only=True, allow_null=True)
    failed_deliveries = serializers.IntegerField(read_only=True)
    failed_callbacks = serializers.IntegerField(read_only=True)
    pending_callbacks = serializers.IntegerField(read_only=True)

    class Meta:
        model = RegistryConnection
        fields = [
            "id",
            "name",
            "kind",
            "registry_url",
            "webhook_url",
            "callback_auth",
            "callback_token",
            "has_callback_token",
            "team",
            "default_owner",
            "service_user",
            "mapping",
            "default_ai_act_category",
            "default_materiality_tier",
            "production_aliases",
            "approved_alias",
            "manage_production_alias",
            "enabled",
            "created_at",
            "updated_at",
            "last_delivery_at",
            "last_reconcile_at",
            "last_reconcile_ok",
            "last_reconcile_summary",
            "failed_deliveries",
            "failed_callbacks",
            "pending_callbacks",
        ]
        read_only_fields = [
            "created_at",
            "updated_at",
            "last_reconcile_at",
            "last_reconcile_ok",
            "last_reconcile_summary",
        ]
        extra_kwargs: dict[str, dict[str, Any]] = {"name": {"validators": []}}

    def get_has_callback_token(self, connection: RegistryConnection) -> bool:
        return bool(connection.callback_token_encrypted)


class ConnectionUpdateSerializer(ConnectionSerializer):
    class Meta(ConnectionSerializer.Meta):
        read_only_fields = [*ConnectionSerializer.Meta.read_only_fields, "kind"]


class CreatedConnectionSerializer(ConnectionSerializer):
    webhook_secret = serializers.CharField(
        read_only=True,
        help_text="Shown once: configure it as the webhook's secret. Steward stores it encrypted.",
    )

    class Meta(ConnectionSerializer.Meta):
        fields = [*ConnectionSerializer.Meta.fields, "webhook_secret"]


class WebhookSecretSerializer(serializers.Serializer):
    webhook_secret = serializers.CharField(
        help_text="The new secret, shown once. The old one stops working now."
    )


class DeliverySerializer(serializers.ModelSerializer):
    body = serializers.SerializerMethodField(
        help_text="The raw body as received (UTF-8, invalid bytes replaced)."
    )

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "delivery_id",
            "event",
            "received_at",
            "status",
            "attempts",
            "processed_at",
            "result",
            "error",
            "headers",
            "body",
        ]
        read_only_fields = fields

    def get_body(self, delivery: WebhookDelivery) -> str:
        return bytes(delivery.body).decode("utf-8", errors="replace")


class OutboxOperationSerializer(serializers.ModelSerializer):
    class Meta:
        model = OutboxOperation
        fields = ["op", "key", "value"]
        read_only_fields = fields


class OutboxMessageSerializer(serializers.ModelSerializer):
    version = serializers.IntegerField(source="version_link.asset_version_id", read_only=True)
    model = serializers.CharField(source="version_link.model_name", read_only=True)
    registry_version = serializers.CharField(source="version_link.version", read_only=True)
    operations = OutboxOperationSerializer(many=True, read_only=True)

    class Meta:
        model = OutboxMessage
        fields = [
            "id",
            "version",
            "model",
            "registry_version",
            "reason",
            "status",
            "attempts",
            "next_attempt_at",
            "last_error",
            "created_at",
            "sent_at",
            "operations",
        ]
        read_only_fields = fields


class ModelLinkSerializer(serializers.ModelSerializer):
    asset: serializers.SlugRelatedField = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    versions = serializers.IntegerField(source="version_count", read_only=True)

    class Meta:
        model = RegistryModelLink
        fields = ["id", "name", "asset", "aliases", "versions", "created_at", "synced_at"]
        read_only_fields = fields


class MapModelSerializer(serializers.Serializer):
    asset: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="slug", queryset=Asset.objects.all()
    )


class WebhookAcceptedSerializer(serializers.Serializer):
    delivery = serializers.CharField(help_text="The delivery id Steward stored.")
    status = serializers.ChoiceField(choices=["accepted", "duplicate"])


class GateQuerySerializer(serializers.Serializer):
    version_id = serializers.IntegerField(required=False, min_value=1, help_text="Steward's version id.")
    connection = serializers.IntegerField(required=False, min_value=1, help_text="Registry connection id.")
    model = serializers.CharField(required=False, max_length=256, help_text="Registered model name.")
    version = serializers.CharField(required=False, max_length=64, help_text="Registry version number.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        by_registry = [attrs.get(k) for k in ("connection", "model", "version")]
        if "version_id" in attrs:
            if any(v is not None for v in by_registry):
                raise serializers.ValidationError(
                    "Ask either by version_id or by connection, model and version."
                )
        elif not all(v is not None for v in by_registry):
            raise serializers.ValidationError("Give version_id, or connection, model and version together.")
        return attrs


class GateReasonSerializer(serializers.Serializer):
    code = serializers.ChoiceField(
        choices=[
            "stage",
            "asset_stage",
            "approval_expired",
            "open_finding",
            "waiver_expired",
            "review_overdue",
        ]
    )
    message = serializers.CharField()


class GateVersionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    asset = serializers.CharField(source="asset.slug")
    label = serializers.CharField()  # type: ignore[assignment]
    stage = serializers.CharField()


class GateVerdictSerializer(serializers.Serializer):
    allowed = serializers.BooleanField()
    verdict = serializers.ChoiceField(choices=["allowed", "blocked"])
    version = GateVersionSerializer()
    reasons = GateReasonSerializer(many=True)
    checked_at = serializers.DateTimeField()
