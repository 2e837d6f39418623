"""Inbound registry events: MLflow webhooks (HMAC), SageMaker EventBridge and generic events (token).

Each view authenticates the sender, stores the raw delivery (intake.receive) and answers at once;
a Celery task applies it. Unknown connections answer 404, disabled ones 403; bad input is kept
(when authentic) and answered 400/415 with the reason.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from governance.accounts.models import ApiToken
from governance.accounts.roles import TokenScope
from governance.api.authentication import BearerTokenAuthentication
from governance.api.exceptions import error_body
from governance.api.ratelimit import WebhookThrottle
from governance.api.schema import ErrorSerializer
from governance.integrations import intake, signatures
from governance.integrations.api.serializers import WebhookAcceptedSerializer
from governance.integrations.crypto import SecretUnavailable, decrypt_secret
from governance.integrations.events import BadEvent, GenericRegistryEventSerializer, load_json_object
from governance.integrations.models import RegistryConnection, RegistryKind


def _connection(key: Any, kind: str) -> RegistryConnection:
    connection = get_object_or_404(RegistryConnection, webhook_key=key, kind=kind)
    if not connection.enabled:
        raise exceptions.PermissionDenied("This registry connection is disabled.")
    return connection


def _is_json(request: Request) -> bool:
    return (request.content_type or "").split(";")[0].strip().lower() == "application/json"


def _answer(result: intake.Intake) -> Response:
    if result.error is not None:
        body = error_body(str(result.error), result.error.code, delivery=result.delivery.delivery_id)
        return Response(body, status=result.error.status)
    return Response(
        {"delivery": result.delivery.delivery_id, "status": "duplicate" if result.duplicate else "accepted"},
        status=status.HTTP_200_OK,
    )


KEY = OpenApiParameter("key", str, OpenApiParameter.PATH, description="The connection's webhook key (UUID).")
HOOK_RESPONSES = {
    200: WebhookAcceptedSerializer,
    400: OpenApiResponse(
        ErrorSerializer, description="Malformed JSON or an unknown event (kept, not applied)."
    ),
    415: OpenApiResponse(ErrorSerializer, description="Not application/json (kept, not applied)."),
}


class MlflowWebhookView(APIView):
    """POST /api/v1/integrations/hooks/mlflow/<key>/ — an MLflow registry webhook delivery."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    throttle_classes = [WebhookThrottle]

    def get_authenticate_header(self, request: Request) -> str:
        # A bad signature is a 401 (with a challenge naming the scheme), not a 403.
        return 'MLflow-Signature realm="steward", scheme="v1 HMAC-SHA256"'

    @extend_schema(
        summary="MLflow webhook (signed delivery)",
        description=(
            "Configure an MLflow (≥ 3.3) webhook with this URL and the connection's secret, subscribed to "
            "registered_model.created, model_version.created, model_version_tag.set/deleted and "
            "model_version_alias.created/deleted. Steward verifies `X-MLflow-Signature` (v1, HMAC-SHA256 "
            "over `<delivery id>.<timestamp>.<raw body>`), refuses timestamps outside ±5 minutes (401), "
            "stores the delivery once per `X-MLflow-Delivery-Id` and answers 200 at once; a worker applies "
            "it, reading the current state back from MLflow."
        ),
        parameters=[
            KEY,
            OpenApiParameter(signatures.DELIVERY_ID, str, OpenApiParameter.HEADER, required=True),
            OpenApiParameter(
                signatures.TIMESTAMP, str, OpenApiParameter.HEADER, required=True, description="Unix seconds."
            ),
            OpenApiParameter(
                signatures.SIGNATURE, str, OpenApiParameter.HEADER, required=True, description="v1,<base64>"
            ),
        ],
        request={"application/json": {"type": "object", "additionalProperties": True}},
        responses=HOOK_RESPONSES,
        examples=[
            OpenApiExample(
                "Alias moved",
                value={
                    "entity": "model_version_alias",
                    "action": "created",
                    "timestamp": "2026-11-23T11:50:01.736740+00:00",
                    "data": {"name": "fraud-detector", "alias": "production", "version": "7"},
                },
                request_only=True,
            )
        ],
        auth=[],
        tags=["integrations"],
    )
    def post(self, request: Request, key: Any) -> Response:
        connection = _connection(key, RegistryKind.MLFLOW)
        body = request.body
        try:
            secret = decrypt_secret(connection.webhook_secret_encrypted)
        except SecretUnavailable as exc:
            raise exceptions.APIException(str(exc)) from exc
        check = signatures.verify(
            secret, request.headers, body, tolerance_s=settings.STEWARD_WEBHOOK_TOLERANCE_SECONDS
        )
        if not check.ok:
            raise exceptions.AuthenticationFailed(check.reason)
        result = intake.receive(
            connection,
            request.headers[signatures.DELIVERY_ID],
            body,
            request.headers,
            content_type_ok=_is_json(request),
        )
        return _answer(result)


class TokenEventsView(APIView):
    """Events pushed with an integration token (SageMaker through EventBridge, or the generic format)."""

    authentication_classes = [BearerTokenAuthentication]
    throttle_classes = [WebhookThrottle]
    integration_allowed = True
    kind = RegistryKind.GENERIC

    def post(self, request: Request, key: Any) -> Response:
        token = request.auth
        if not isinstance(token, ApiToken) or token.scope != TokenScope.INTEGRATION:
            raise exceptions.PermissionDenied("Registry events need an integration token.")
        connection = _connection(key, self.kind)
        if connection.service_user_id not in (None, token.user_id):
            raise exceptions.PermissionDenied("This token's user is not the connection's service user.")
        body = request.body
        try:
            event_id = str(load_json_object(body).get("id") or "")
        except BadEvent:
            event_id = ""
        delivery_id = event_id or "unidentified-" + hashlib.sha256(body).hexdigest()[:40]
        result = intake.receive(
            connection,
            delivery_id,
            body,
            request.headers,
            content_type_ok=_is_json(request),
            extra_headers={"X-Steward-Token": token.prefix},
        )
        return _answer(result)


class SagemakerEventsView(TokenEventsView):
    kind = RegistryKind.SAGEMAKER

    @extend_schema(
        summary="Amazon SageMaker model package event (EventBridge)",
        description=(
            'Target of an EventBridge rule `{"source": ["aws.sagemaker"], "detail-type": '
            '["SageMaker Model Package State Change"]}` through an API destination whose connection sends '
            "`Authorization: Bearer <integration token>` (of the connection's service user). "
            "PendingManualApproval registers the version; Approved on a version Steward has not approved, or "
            "Rejected on one it has, raises a finding. Deduplicated on the event `id`."
        ),
        parameters=[KEY],
        request={"application/json": {"type": "object", "additionalProperties": True}},
        responses=HOOK_RESPONSES,
        examples=[
            OpenApiExample(
                "Approval changed",
                value={
                    "version": "0",
                    "id": "2f1d4c1e-0b7a-4e1a-9f41-1c5f3c1d7a10",
                    "detail-type": "SageMaker Model Package State Change",
                    "source": "aws.sagemaker",
                    "account": "123456789012",
                    "time": "2026-05-01T10:00:00Z",
                    "region": "eu-west-1",
                    "resources": ["arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn/3"],
                    "detail": {
                        "ModelPackageGroupName": "churn",
                        "ModelPackageVersion": 3,
                        "ModelPackageArn": "arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn/3",
                        "ModelApprovalStatus": "PendingManualApproval",
                        "ModelPackageStatus": "Completed",
                        "InferenceSpecification": {
                            "Containers": [{"ModelDataUrl": "s3://models/churn/3/model.tar.gz"}]
                        },
                    },
                },
                request_only=True,
            )
        ],
        tags=["integrations"],
    )
    def post(self, request: Request, key: Any) -> Response:
        return super().post(request, key)


class GenericEventsView(TokenEventsView):
    kind = RegistryKind.GENERIC

    @extend_schema(
        summary="Generic registry event",
        description=(
            "For registries without a dedicated endpoint. Send one event per request with "
            "`Authorization: Bearer <integration token>`; `id` deduplicates. Types: version.registered, "
            "version.deployed (an unapproved version raises a finding), version.undeployed, "
            "version.suspended."
        ),
        parameters=[KEY],
        request=GenericRegistryEventSerializer,
        responses=HOOK_RESPONSES,
        examples=[
            OpenApiExample(
                "Version deployed",
                value={
                    "id": "deploy-2026-05-01-0001",
                    "type": "version.deployed",
                    "model": "fraud-detector",
                    "version": "7",
                    "occurred_at": "2026-05-01T10:00:00Z",
                },
                request_only=True,
            )
        ],
        tags=["integrations"],
    )
    def post(self, request: Request, key: Any) -> Response:
        return super().post(request, key)
