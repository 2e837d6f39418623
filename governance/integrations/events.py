"""Parsing inbound registry events (pure functions, used at intake and again when processing).

Each parser takes the raw body and returns a ParsedEvent or raises BadEvent with a reason the
sender can act on. Nothing here touches the database.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from rest_framework import serializers

from governance.inventory.models import sha256_hex

MLFLOW_EVENTS = frozenset(
    {
        "registered_model.created",
        "model_version.created",
        "model_version_tag.set",
        "model_version_tag.deleted",
        "model_version_alias.created",
        "model_version_alias.deleted",
    }
)
# The data fields each MLflow event must carry (reference §1.2).
MLFLOW_REQUIRED = {
    "registered_model.created": ("name",),
    "model_version.created": ("name", "version"),
    "model_version_tag.set": ("name", "version", "key", "value"),
    "model_version_tag.deleted": ("name", "version", "key"),
    "model_version_alias.created": ("name", "alias", "version"),
    "model_version_alias.deleted": ("name", "alias"),
}
SAGEMAKER_DETAIL_TYPE = "SageMaker Model Package State Change"
SAGEMAKER_APPROVAL_STATUSES = frozenset({"PendingManualApproval", "Approved", "Rejected"})
GENERIC_EVENTS = frozenset(
    {"version.registered", "version.deployed", "version.undeployed", "version.suspended"}
)


class BadEvent(Exception):
    """The body is not an event Steward understands; `code` is machine-readable, the message human."""

    def __init__(self, message: str, code: str = "invalid_event", status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


@dataclass(frozen=True)
class ParsedEvent:
    event: str
    data: dict[str, Any] = field(default_factory=dict)


def load_json_object(body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadEvent(f"The body is not valid JSON: {exc}", "malformed_json") from exc
    if not isinstance(value, dict):
        raise BadEvent("The body must be a JSON object.", "malformed_json")
    return value


def _text(data: dict[str, Any], name: str, *, max_length: int = 256) -> str:
    value = data.get(name)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise BadEvent(f"“{name}” must be a non-empty string.")
    if len(value) > max_length:
        raise BadEvent(f"“{name}” is longer than {max_length} characters.")
    return value


def parse_mlflow(body: bytes) -> ParsedEvent:
    """An MLflow webhook body: {"entity", "action", "timestamp", "data"}."""
    envelope = load_json_object(body)
    entity, action, data = envelope.get("entity"), envelope.get("action"), envelope.get("data")
    if not isinstance(entity, str) or not isinstance(action, str) or not isinstance(data, dict):
        raise BadEvent("Expected an MLflow webhook body with “entity”, “action” and a “data” object.")
    event = f"{entity}.{action}"
    if event not in MLFLOW_EVENTS:
        raise BadEvent(
            f"Steward does not handle the MLflow event “{event}”; subscribe the webhook to: "
            f"{', '.join(sorted(MLFLOW_EVENTS))}.",
            "unknown_event",
        )
    clean: dict[str, Any] = {
        name: _text(data, name, max_length=5000 if name == "value" else 256)
        for name in MLFLOW_REQUIRED[event]
        if name != "value"
    }
    if "value" in MLFLOW_REQUIRED[event]:
        value = data.get("value")
        if not isinstance(value, str):
            raise BadEvent("“value” must be a string.")
        clean["value"] = value
    if event == "model_version.created":
        for name in ("source", "run_id", "description"):
            if isinstance(data.get(name), str):
                clean[name] = data[name]
        if isinstance(data.get("tags"), dict):
            clean["tags"] = {str(k): str(v) for k, v in data["tags"].items()}
    return ParsedEvent(event, clean)


def parse_sagemaker(body: bytes) -> ParsedEvent:
    """An EventBridge "SageMaker Model Package State Change" event (reference §2)."""
    envelope = load_json_object(body)
    if envelope.get("source") != "aws.sagemaker" or envelope.get("detail-type") != SAGEMAKER_DETAIL_TYPE:
        raise BadEvent(
            "Expected an EventBridge event with source “aws.sagemaker” and detail-type "
            f"“{SAGEMAKER_DETAIL_TYPE}”.",
            "unknown_event",
        )
    event_id = _text(envelope, "id")
    detail = envelope.get("detail")
    if not isinstance(detail, dict):
        raise BadEvent("“detail” must be an object.")
    group = _text(detail, "ModelPackageGroupName")
    number = detail.get("ModelPackageVersion")
    if isinstance(number, bool) or not isinstance(number, int) or number < 1:
        raise BadEvent("“detail.ModelPackageVersion” must be a positive integer.")
    arn = _text(detail, "ModelPackageArn", max_length=400)
    status = detail.get("ModelApprovalStatus")
    if status not in SAGEMAKER_APPROVAL_STATUSES:
        raise BadEvent(
            f"“detail.ModelApprovalStatus” must be one of {', '.join(sorted(SAGEMAKER_APPROVAL_STATUSES))}."
        )
    specification = detail.get("InferenceSpecification")
    containers = specification.get("Containers") if isinstance(specification, dict) else None
    first = (
        containers[0]
        if isinstance(containers, list) and containers and isinstance(containers[0], dict)
        else {}
    )
    metadata = detail.get("MetadataProperties")
    metadata = metadata if isinstance(metadata, dict) else {}
    return ParsedEvent(
        f"sagemaker.{status}",
        {
            "id": event_id,
            "model": group,
            "version": str(number),
            "arn": arn,
            "approval": status,
            "source": str(first.get("ModelDataUrl") or "")[:1000],
            "run_id": str(metadata.get("GeneratedBy") or "")[:100],
            "description": str(detail.get("ModelPackageDescription") or "")[:5000],
        },
    )


class GenericRegistryEventSerializer(serializers.Serializer):
    """Steward's generic registry event: for registries without a dedicated endpoint."""

    id = serializers.CharField(max_length=200, help_text="Unique per event; repeats are ignored (dedupe).")
    type = serializers.ChoiceField(
        choices=sorted(GENERIC_EVENTS),
        help_text="version.registered; version.deployed (needs Steward approval, else a finding); "
        "version.undeployed (deployed → deprecated); "
        "version.suspended (deployed → suspended, needs a reason).",
    )
    model = serializers.CharField(max_length=256, help_text="The registered model's name in the registry.")
    version = serializers.CharField(max_length=64, help_text="The version's number or label in the registry.")
    occurred_at = serializers.DateTimeField(required=False, help_text="When it happened in the registry.")
    source = serializers.CharField(  # type: ignore[assignment]
        max_length=1000, required=False, allow_blank=True, default=""
    )
    run_id = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    artifact_digest = serializers.CharField(
        max_length=64, required=False, allow_blank=True, default="", validators=[sha256_hex]
    )
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    ref = serializers.CharField(
        max_length=500,
        required=False,
        allow_blank=True,
        default="",
        help_text="The registry's own id or URI.",
    )
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["type"] == "version.suspended" and not attrs.get("reason", "").strip():
            raise serializers.ValidationError({"reason": "A suspension needs a reason."})
        return attrs


def parse_generic(body: bytes) -> ParsedEvent:
    """Steward's generic registry event (GenericRegistryEventSerializer)."""
    serializer = GenericRegistryEventSerializer(data=load_json_object(body))
    if not serializer.is_valid():
        errors = "; ".join(
            f"{name}: {' '.join(str(m) for m in msgs)}" for name, msgs in serializer.errors.items()
        )
        raise BadEvent(f"Invalid generic registry event: {errors}")
    data = dict(serializer.validated_data)
    data.pop("occurred_at", None)
    return ParsedEvent(data.pop("type"), data)


PARSERS = {"mlflow": parse_mlflow, "sagemaker": parse_sagemaker, "generic": parse_generic}
