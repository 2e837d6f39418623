"""Audit API: events (filtered, visible to the caller), verification, checkpoints and the public key."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, mixins, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from governance.accounts.roles import Role
from governance.audit import keys
from governance.audit.actors import Actor
from governance.audit.api.serializers import (
    AuditEventSerializer,
    CheckpointSerializer,
    EventFilterSerializer,
    PublicKeySerializer,
    VerificationRunSerializer,
)
from governance.audit.models import AuditEvent, Checkpoint
from governance.audit.queries import filter_events, latest_verification
from governance.audit.services import run_verification
from lifecycle.queries import events_visible_to

EVENT_FILTERS = [
    OpenApiParameter(name, str, description=description)
    for name, description in [
        ("object_type", "e.g. inventory.assetversion"),
        ("object_id", "the object's id"),
        ("actor", "actor id or name"),
        ("action", "an action, or a prefix ending in '.' such as 'lifecycle.'"),
        ("since", "ISO 8601 time, inclusive"),
        ("until", "ISO 8601 time, exclusive"),
    ]
]


@extend_schema_view(
    list=extend_schema(
        summary="Audit events you may see, newest first", parameters=EVENT_FILTERS, tags=["audit"]
    ),
    retrieve=extend_schema(summary="One audit event with its canonical text and hashes", tags=["audit"]),
)
class AuditEventViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = AuditEventSerializer
    lookup_field = "seq"

    def get_queryset(self) -> QuerySet[AuditEvent]:
        filters = EventFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        visible = events_visible_to(self.request.user)  # type: ignore[arg-type]
        return filter_events(**filters.validated_data) & visible if self.action == "list" else visible


class VerifyView(APIView):
    """GET: the latest verification. POST: verify the whole chain now (compliance and admin)."""

    @extend_schema(
        summary="Latest chain verification",
        responses={
            200: VerificationRunSerializer,
            204: OpenApiResponse(description="No verification has run yet."),
        },
        tags=["audit"],
    )
    def get(self, request: Request) -> Response:
        run = latest_verification()
        if run is None:
            return Response(status=204)
        return Response(VerificationRunSerializer(run).data)

    @extend_schema(
        summary="Verify the chain and checkpoints now",
        request=None,
        responses=VerificationRunSerializer,
        tags=["audit"],
    )
    def post(self, request: Request) -> Response:
        if not request.user.has_role(Role.COMPLIANCE, Role.ADMIN):  # type: ignore[union-attr]
            raise PermissionDenied("Only compliance officers and administrators run a verification.")
        _, run = run_verification(actor=Actor.from_request(request))
        return Response(VerificationRunSerializer(run).data)


@extend_schema_view(list=extend_schema(summary="Signed checkpoints, newest first", tags=["audit"]))
class CheckpointListView(generics.ListAPIView):
    serializer_class = CheckpointSerializer
    queryset = Checkpoint.objects.order_by("-size", "-id")


class PublicKeyView(APIView):
    """The Ed25519 public key that signs checkpoints (and report bundles), with its fingerprint."""

    @extend_schema(summary="Checkpoint public key", responses=PublicKeySerializer, tags=["audit"])
    def get(self, request: Request, *args: Any) -> Response:
        public = keys.load_public_key()
        return Response(
            PublicKeySerializer(
                {
                    "key_id": keys.key_id(public),
                    "fingerprint": keys.fingerprint_display(public),
                    "pem": keys.public_key_pem(public),
                    "algorithm": "Ed25519",
                }
            ).data
        )
