"""Integration API: registry connections (administrators; compliance reads) and the deployment gate."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import generics, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from governance.api.idempotency import IdempotentCommandsMixin
from governance.api.permissions import request_user
from governance.audit.actors import Actor
from governance.integrations import connections, gate
from governance.integrations.api.serializers import (
    ConnectionSerializer,
    ConnectionUpdateSerializer,
    CreatedConnectionSerializer,
    DeliverySerializer,
    GateQuerySerializer,
    GateVerdictSerializer,
    MapModelSerializer,
    ModelLinkSerializer,
    OutboxMessageSerializer,
    WebhookSecretSerializer,
)
from governance.integrations.models import (
    DeliveryStatus,
    OutboxMessage,
    OutboxStatus,
    RegistryConnection,
    RegistryModelLink,
    WebhookDelivery,
)
from governance.integrations.tasks import reconcile_connection
from governance.inventory.models import Asset
from lifecycle.queries import visible_versions


def may_see_cheaply(user: Any, asset: Asset) -> bool:
    """The common cases of the visibility rule without a query: everything-seers, own team, own asset."""
    return bool(user.sees_everything or asset.team_id in user.team_ids or asset.owner_id == user.pk)


def visible_connections(user: Any) -> QuerySet[RegistryConnection]:
    """Connections are administrators' business: admins and compliance see them, nobody else."""
    if not user.is_authenticated or not user.sees_everything:
        return RegistryConnection.objects.none()
    latest = (
        WebhookDelivery.objects.filter(connection=OuterRef("pk"))
        .order_by("-received_at")
        .values("received_at")[:1]
    )
    return (
        RegistryConnection.objects.select_related("team", "default_owner", "service_user")
        .annotate(
            last_delivery_at=Subquery(latest),
            failed_deliveries=Count(
                "deliveries", filter=Q(deliveries__status=DeliveryStatus.FAILED), distinct=True
            ),
            failed_callbacks=Count("outbox", filter=Q(outbox__status=OutboxStatus.FAILED), distinct=True),
            pending_callbacks=Count(
                "outbox",
                filter=Q(outbox__status__in=[OutboxStatus.PENDING, OutboxStatus.SENDING]),
                distinct=True,
            ),
        )
        .order_by("name", "pk")
    )


CONNECTION_EXAMPLE = {
    "name": "mlflow-prod",
    "kind": "mlflow",
    "registry_url": "https://mlflow.example.com",
    "callback_auth": "bearer",
    "callback_token": "<token Steward uses to tag versions>",
    "team": "retail-credit",
    "default_owner": "olivia",
    "mapping": "auto_create",
    "production_aliases": ["production", "champion"],
    "approved_alias": "approved",
    "manage_production_alias": False,
}


@extend_schema_view(
    list=extend_schema(summary="Registry connections (administrators and compliance)", tags=["integrations"]),
    retrieve=extend_schema(
        summary="One registry connection, with its delivery and callback health", tags=["integrations"]
    ),
    create=extend_schema(
        summary="Create a registry connection (administrators)",
        description=(
            "The response carries the webhook secret, once; Steward keeps it encrypted, never shows it again."
        ),
        request=ConnectionSerializer,
        responses={201: CreatedConnectionSerializer},
        examples=[OpenApiExample("MLflow", value=CONNECTION_EXAMPLE, request_only=True)],
        tags=["integrations"],
    ),
    partial_update=extend_schema(
        summary="Change a connection's settings (administrators)", tags=["integrations"]
    ),
)
class ConnectionViewSet(
    IdempotentCommandsMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[RegistryConnection]:
        return visible_connections(self.request.user)

    def get_serializer_class(self) -> type[ConnectionSerializer]:
        return ConnectionUpdateSerializer if self.action == "partial_update" else ConnectionSerializer

    def _read(self, connection: RegistryConnection) -> dict[str, Any]:
        fresh = visible_connections(self.request.user).get(pk=connection.pk)
        return dict(ConnectionSerializer(fresh, context=self.get_serializer_context()).data)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = ConnectionSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        created = connections.create_connection(
            actor=Actor.from_request(request), callback_token=data.pop("callback_token", ""), **data
        )
        body = self._read(created.connection) | {"webhook_secret": created.webhook_secret}
        return Response(body, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        connection = self.get_object()
        serializer = ConnectionUpdateSerializer(
            connection, data=request.data, partial=True, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        connections.update_connection(
            actor=Actor.from_request(request),
            connection=connection,
            callback_token=data.pop("callback_token", None),
            **data,
        )
        return Response(self._read(connection))

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.partial_update(request, *args, **kwargs)

    @extend_schema(
        summary="Rotate the webhook secret (administrators)",
        description="Returns the new secret once; deliveries signed with the old one are refused from now.",
        request=None,
        responses={200: WebhookSecretSerializer},
        tags=["integrations"],
    )
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request: Request, pk: str | None = None) -> Response:
        secret = connections.rotate_webhook_secret(
            actor=Actor.from_request(request), connection=self.get_object()
        )
        return Response({"webhook_secret": secret})

    @extend_schema(
        summary="Reconcile now (administrators)",
        description="Queues a poll of the registry that applies anything its webhooks missed.",
        request=None,
        responses={202: ConnectionSerializer},
        tags=["integrations"],
    )
    @action(detail=True, methods=["post"])
    def reconcile(self, request: Request, pk: str | None = None) -> Response:
        connection = self.get_object()
        connections.require_admin(Actor.from_request(request))
        reconcile_connection.delay(connection.pk)
        return Response(self._read(connection), status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary="Deliveries received, newest first",
        responses=DeliverySerializer(many=True),
        tags=["integrations"],
    )
    @action(detail=True, methods=["get"])
    def deliveries(self, request: Request, pk: str | None = None) -> Response:
        rows = WebhookDelivery.objects.filter(connection=self.get_object()).order_by("-received_at", "-pk")
        status_filter = request.query_params.get("status")
        if status_filter in DeliveryStatus.values:
            rows = rows.filter(status=status_filter)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(DeliverySerializer(page, many=True).data)

    @extend_schema(
        summary="Callbacks to the registry, newest first",
        responses=OutboxMessageSerializer(many=True),
        tags=["integrations"],
    )
    @action(detail=True, methods=["get"])
    def outbox(self, request: Request, pk: str | None = None) -> Response:
        rows = (
            OutboxMessage.objects.filter(connection=self.get_object())
            .select_related("version_link")
            .prefetch_related("operations")
            .order_by("-created_at", "-pk")
        )
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(OutboxMessageSerializer(page, many=True).data)

    @extend_schema(
        summary="Registered models and the assets they map to",
        responses=ModelLinkSerializer(many=True),
        tags=["integrations"],
    )
    @action(detail=True, methods=["get"])
    def models(self, request: Request, pk: str | None = None) -> Response:
        rows = (
            RegistryModelLink.objects.filter(connection=self.get_object())
            .select_related("asset")
            .annotate(version_count=Count("versions"))
            .order_by("name", "pk")
        )
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(ModelLinkSerializer(page, many=True).data)


class MapModelView(IdempotentCommandsMixin, generics.GenericAPIView):
    """Map a registered model to an asset (administrators)."""

    serializer_class = MapModelSerializer

    @extend_schema(
        summary="Map a registered model to an asset",
        request=MapModelSerializer,
        responses=ModelLinkSerializer,
        tags=["integrations"],
    )
    def post(self, request: Request, pk: int, model_pk: int) -> Response:
        connection = get_object_or_404(visible_connections(request.user), pk=pk)
        link = get_object_or_404(RegistryModelLink, connection=connection, pk=model_pk)
        serializer = MapModelSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        mapped = connections.map_model(
            actor=Actor.from_request(request), link=link, asset=serializer.validated_data["asset"]
        )
        mapped.version_count = mapped.versions.count()  # type: ignore[attr-defined]
        return Response(ModelLinkSerializer(mapped).data)


class RetryCallbackView(IdempotentCommandsMixin, generics.GenericAPIView):
    """Retry a failed callback (administrators)."""

    serializer_class = OutboxMessageSerializer

    @extend_schema(
        summary="Retry a failed callback",
        request=None,
        responses=OutboxMessageSerializer,
        tags=["integrations"],
    )
    def post(self, request: Request, pk: int, message_pk: int) -> Response:
        connection = get_object_or_404(visible_connections(request.user), pk=pk)
        message = get_object_or_404(
            OutboxMessage.objects.select_related("connection", "version_link"),
            connection=connection,
            pk=message_pk,
        )
        message = connections.retry_outbox_message(actor=Actor.from_request(request), message=message)
        return Response(OutboxMessageSerializer(message).data)


class GateView(generics.GenericAPIView):
    """GET /api/v1/gate/ — may this version be deployed now?"""

    serializer_class = GateVerdictSerializer
    pagination_class = None
    filter_backends: list[Any] = []

    @extend_schema(
        summary="Deployment gate: allowed or blocked, with reasons",
        description=(
            "Ask by Steward's `version_id`, or by registry `connection`, `model` and `version`. Always 200 "
            "with `allowed`; blocked reasons: stage (only approved or deployed), asset not active, approval "
            "expired, open high/critical findings, expired waivers, overdue periodic review. 404 if the "
            "version is unknown or not visible to you."
        ),
        parameters=[GateQuerySerializer],
        responses=GateVerdictSerializer,
        examples=[
            OpenApiExample(
                "Blocked",
                value={
                    "allowed": False,
                    "verdict": "blocked",
                    "version": {"id": 12, "asset": "fraud-detector", "label": "7", "stage": "validated"},
                    "reasons": [
                        {
                            "code": "stage",
                            "message": (
                                "Version 7 is validated; only approved or deployed versions may be deployed."
                            ),
                        }
                    ],
                    "checked_at": "2026-05-01T10:00:00Z",
                },
                response_only=True,
            )
        ],
        tags=["integrations"],
    )
    def get(self, request: Request) -> Response:
        query = GateQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        wanted = query.validated_data
        user = request_user(request)
        if "version_id" in wanted:
            version = gate.find(version_id=wanted["version_id"])
        else:
            version = gate.find(
                connection_id=wanted["connection"], model=wanted["model"], version=wanted["version"]
            )
        # The usual callers (the owning team's pipelines, compliance) pass a cheap check; anyone else
        # is held to the full visibility rule (lifecycle.queries), so the answer never leaks.
        if (
            version is not None
            and not may_see_cheaply(user, version.asset)
            and not visible_versions(user).filter(pk=version.pk).exists()
        ):
            version = None
        if version is None:
            return Response(
                {"detail": "No such version, or not one you may see.", "code": "not_found"}, status=404
            )
        verdict = gate.evaluate(version, now=timezone.now())
        # GateVerdictSerializer's shape, built directly: on this hot path DRF's output serializer cost
        # a third of the request. The contract test checks every answer against the documented schema.
        return Response(
            {
                "allowed": verdict.allowed,
                "verdict": "allowed" if verdict.allowed else "blocked",
                "version": {
                    "id": version.pk,
                    "asset": version.asset.slug,
                    "label": version.label,
                    "stage": version.stage,
                },
                "reasons": [{"code": reason.code, "message": reason.message} for reason in verdict.reasons],
                "checked_at": serializers.DateTimeField().to_representation(verdict.checked_at),
            }
        )
