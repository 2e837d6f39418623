"""Registry integration records (DESIGN §6): connections, the raw inbox, links to the registry, the outbox.

Rows here are written only by the integration services and tasks. Secrets are stored encrypted
(governance.integrations.crypto) and never returned after creation.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from governance.inventory.models import AiActCategory, MaterialityTier


class RegistryKind(models.TextChoices):
    MLFLOW = "mlflow", "MLflow"
    SAGEMAKER = "sagemaker", "Amazon SageMaker Model Registry"
    GENERIC = "generic", "Generic registry (Steward event format)"


class MappingMode(models.TextChoices):
    BY_NAME = "by_name", "Map registered models to existing assets by name"
    AUTO_CREATE = "auto_create", "Map by name, else propose a new asset automatically"


class CallbackAuth(models.TextChoices):
    NONE = "none", "None"
    BEARER = "bearer", "Bearer token"
    BASIC = "basic", "Basic (user:password)"


def default_production_aliases() -> list[str]:
    return ["production"]


class RegistryConnection(models.Model):
    """One registry Steward listens to and writes decisions back to; managed by administrators."""

    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=20, choices=RegistryKind.choices, default=RegistryKind.MLFLOW)
    registry_url = models.URLField(
        max_length=300, blank=True, help_text="Base URL of the registry, e.g. https://mlflow.example.com."
    )
    webhook_key = models.UUIDField(
        default=uuid.uuid4,
        unique=True,
        editable=False,
        help_text="Public id in the connection's webhook URL.",
    )
    webhook_secret_encrypted = models.TextField(editable=False)
    callback_auth = models.CharField(max_length=10, choices=CallbackAuth.choices, default=CallbackAuth.NONE)
    callback_token_encrypted = models.TextField(blank=True, editable=False)
    team = models.ForeignKey(
        "accounts.Team",
        on_delete=models.PROTECT,
        related_name="registry_connections",
        help_text="Registered models map to this team's assets; auto-created assets belong to it.",
    )
    default_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Owner of assets proposed automatically for new registered models.",
    )
    service_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="SageMaker and generic connections accept events only with this user's integration tokens.",
    )
    mapping = models.CharField(max_length=20, choices=MappingMode.choices, default=MappingMode.BY_NAME)
    default_ai_act_category = models.CharField(
        max_length=10, choices=AiActCategory.choices, default=AiActCategory.HIGH
    )
    default_materiality_tier = models.PositiveSmallIntegerField(
        choices=MaterialityTier.choices, default=MaterialityTier.TIER_1
    )
    production_aliases = models.JSONField(
        default=default_production_aliases,
        help_text="Registry aliases meaning 'in production' (a version there must be approved in Steward).",
    )
    approved_alias = models.CharField(
        max_length=100,
        blank=True,
        help_text="Alias Steward points at a version when it approves it (blank: none).",
    )
    manage_production_alias = models.BooleanField(
        default=False,
        help_text="Set the first production alias when Steward deploys a version; remove it when it is "
        "suspended, deprecated or retired.",
    )
    enabled = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)
    last_reconcile_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_reconcile_ok = models.BooleanField(null=True, editable=False)
    last_reconcile_summary = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=RegistryKind.values), name="connection_known_kind"
            ),
            models.CheckConstraint(
                condition=~models.Q(kind=RegistryKind.MLFLOW) | ~models.Q(registry_url=""),
                name="connection_mlflow_needs_url",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("integrations:connection", args=[self.pk])

    @property
    def webhook_path(self) -> str:
        names = {
            RegistryKind.MLFLOW: "api-mlflow-webhook",
            RegistryKind.SAGEMAKER: "api-sagemaker-events",
            RegistryKind.GENERIC: "api-generic-events",
        }
        return reverse(names[RegistryKind(self.kind)], args=[self.webhook_key])

    @property
    def webhook_url(self) -> str:
        return settings.STEWARD_BASE_URL + self.webhook_path


class RegistryModelLink(models.Model):
    """A registered model of a connection and the asset it maps to (null until mapped)."""

    connection = models.ForeignKey(RegistryConnection, on_delete=models.PROTECT, related_name="models")
    name = models.CharField(max_length=256)
    asset = models.ForeignKey(
        "inventory.Asset", null=True, blank=True, on_delete=models.PROTECT, related_name="registry_models"
    )
    aliases = models.JSONField(default=dict, blank=True, help_text="Last seen alias → version map.")
    created_at = models.DateTimeField(default=timezone.now)
    synced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["connection", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "name"], name="registry_model_unique_per_connection"
            )
        ]

    def __str__(self) -> str:
        return self.name


class RegistryVersionLink(models.Model):
    """A registry version and the Steward version it became; looked up by the deployment gate."""

    connection = models.ForeignKey(RegistryConnection, on_delete=models.PROTECT, related_name="versions")
    model = models.ForeignKey(RegistryModelLink, on_delete=models.PROTECT, related_name="versions")
    model_name = models.CharField(max_length=256)
    version = models.CharField(max_length=64)
    asset_version = models.OneToOneField(
        "inventory.AssetVersion", on_delete=models.PROTECT, related_name="registry_link"
    )
    blocked_at = models.DateTimeField(
        null=True, blank=True, help_text="When Steward tagged it blocked for an unapproved production alias."
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["connection", "model_name", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "model_name", "version"], name="registry_version_unique_per_connection"
            )
        ]

    def __str__(self) -> str:
        return f"{self.model_name} v{self.version}"


class DeliveryStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    PROCESSING = "processing", "Processing"
    RETRY = "retry", "Waiting to retry"
    PROCESSED = "processed", "Processed"
    IGNORED = "ignored", "Ignored"
    REJECTED = "rejected", "Rejected (bad input)"
    FAILED = "failed", "Failed"


PENDING_DELIVERY_STATUSES = frozenset({DeliveryStatus.RECEIVED, DeliveryStatus.RETRY})


class WebhookDelivery(models.Model):
    """One authentic delivery, stored raw before anything acts on it; unique per connection and id."""

    connection = models.ForeignKey(RegistryConnection, on_delete=models.PROTECT, related_name="deliveries")
    delivery_id = models.CharField(max_length=200)
    event = models.CharField(max_length=100, blank=True, help_text="e.g. model_version.created")
    received_at = models.DateTimeField(default=timezone.now)
    headers = models.JSONField(default=dict)
    body = models.BinaryField()
    status = models.CharField(max_length=12, choices=DeliveryStatus.choices, default=DeliveryStatus.RECEIVED)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    lease_until = models.DateTimeField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    result = models.TextField(blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "delivery_id"], name="delivery_unique_per_connection"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=DeliveryStatus.values), name="delivery_known_status"
            ),
        ]
        indexes = [
            models.Index(fields=["connection", "-received_at"]),
            models.Index(fields=["status", "next_attempt_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.event or 'delivery'} {self.delivery_id}"


class OutboxStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed (gave up)"


class OutboxMessage(models.Model):
    """Registry calls for one decision, written in the decision's transaction; sent in order per version."""

    connection = models.ForeignKey(RegistryConnection, on_delete=models.PROTECT, related_name="outbox")
    version_link = models.ForeignKey(RegistryVersionLink, on_delete=models.PROTECT, related_name="outbox")
    transition = models.ForeignKey(
        "lifecycle.StageTransition", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(max_length=100, help_text="Why: the decision or check that wrote it.")
    status = models.CharField(max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    lease_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=OutboxStatus.values), name="outbox_known_status"
            )
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["version_link", "status"]),
            models.Index(fields=["connection", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"outbox #{self.pk} ({self.reason})"


class OutboxOp(models.TextChoices):
    SET_TAG = "set_tag", "Set version tag"
    DELETE_TAG = "delete_tag", "Delete version tag"
    SET_ALIAS = "set_alias", "Point alias at the version"
    DELETE_ALIAS = "delete_alias", "Remove alias if it points at the version"


class OutboxOperation(models.Model):
    """One idempotent registry call of a message; incoming events are matched against these (echoes)."""

    message = models.ForeignKey(OutboxMessage, on_delete=models.CASCADE, related_name="operations")
    position = models.PositiveSmallIntegerField()
    op = models.CharField(max_length=20, choices=OutboxOp.choices)
    key = models.CharField(max_length=250, help_text="Tag key or alias name.")
    value = models.CharField(
        max_length=5000, blank=True, help_text="Tag value (blank for deletes and aliases)."
    )

    class Meta:
        ordering = ["message", "position"]
        constraints = [
            models.UniqueConstraint(fields=["message", "position"], name="outbox_operation_position_unique"),
            models.CheckConstraint(condition=models.Q(op__in=OutboxOp.values), name="outbox_known_op"),
        ]
        indexes = [models.Index(fields=["op", "key"])]

    def __str__(self) -> str:
        return f"{self.op} {self.key}"
