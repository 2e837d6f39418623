"""Waivers (read; approvers grant and revoke) and policies (read for all; admins write) over the API."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from governance.api.idempotency import IdempotentCommandsMixin
from governance.api.permissions import request_user
from governance.audit.actors import Actor
from lifecycle.api.approval_serializers import PolicySerializer, RevokeSerializer, WaiverSerializer
from lifecycle.approvals.policies import RuleSpec, create_policy, update_policy
from lifecycle.approvals.waivers import grant_waiver, revoke_waiver
from lifecycle.models import ApprovalPolicy, PolicyRule, Waiver
from lifecycle.queries import visible_assets, visible_versions


@extend_schema_view(
    list=extend_schema(summary="Waivers on objects you may see", tags=["approvals"]),
    retrieve=extend_schema(summary="One waiver", tags=["approvals"]),
    create=extend_schema(
        summary="Grant a waiver (approvers outside the object's team and work)",
        description="400 without a justification or expiry, or an expiry in the past; 403 if you may not.",
        tags=["approvals"],
    ),
)
class WaiverViewSet(
    IdempotentCommandsMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = WaiverSerializer

    def get_queryset(self) -> QuerySet[Waiver]:
        user = request_user(self.request)
        return (
            Waiver.objects.filter(asset__in=visible_assets(user))
            .select_related("asset", "version")
            .order_by("-granted_at", "-pk")
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        user = request_user(request)
        asset = get_object_or_404(visible_assets(user), pk=data["asset"].pk)
        version = data.get("version")
        if version is not None:
            version = get_object_or_404(visible_versions(user), pk=version.pk)
        waiver = grant_waiver(
            actor=Actor.from_request(request),
            gate=data["gate"],
            asset=asset,
            version=version,
            justification=data.get("justification", ""),
            expires_at=data.get("expires_at"),
        )
        return Response(self.get_serializer(waiver).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Revoke a waiver", request=RevokeSerializer, responses=WaiverSerializer, tags=["approvals"]
    )
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk: str | None = None) -> Response:
        waiver = self.get_object()
        command = RevokeSerializer(data=request.data)
        command.is_valid(raise_exception=True)
        waiver = revoke_waiver(
            actor=Actor.from_request(request), waiver=waiver, reason=command.validated_data["reason"]
        )
        return Response(self.get_serializer(waiver).data)


def _specs(rules: list[dict[str, Any]]) -> list[RuleSpec]:
    return [
        RuleSpec(
            purpose=r["purpose"],
            quorum=r.get("quorum", 1),
            min_risk_committee=r.get("min_risk_committee", 0),
            required_role=r.get("required_role", "approver"),
            named_team=r.get("named_team"),
            named_role=r.get("named_role", ""),
            gates=list(r.get("gates", [])),
        )
        for r in rules
    ]


POLICY_INPUT = (
    "name",
    "description",
    "ai_act_category",
    "materiality_tier",
    "approval_validity_days",
    "review_interval_months",
    "required_evidence",
    "bias_thresholds",
    "is_active",
)


@extend_schema_view(
    list=extend_schema(summary="Current approval policies", tags=["approvals"]),
    retrieve=extend_schema(summary="A policy's current version", tags=["approvals"]),
    create=extend_schema(summary="Create a policy (administrators)", tags=["approvals"]),
    update=extend_schema(
        summary="Edit a policy: writes its next version (administrators)", tags=["approvals"]
    ),
)
class PolicyViewSet(
    IdempotentCommandsMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Policies are readable by every signed-in user; only administrators write (each edit a new version)."""

    serializer_class = PolicySerializer
    lookup_field = "key"
    http_method_names = ["get", "post", "put", "head", "options"]

    def get_queryset(self) -> QuerySet[ApprovalPolicy]:
        rules = PolicyRule.objects.select_related("named_team").order_by("purpose")
        return (
            ApprovalPolicy.objects.filter(is_current=True)
            .prefetch_related(Prefetch("rules", queryset=rules))
            .order_by("key")
        )

    def _require_admin(self, request: Request) -> None:
        if not request_user(request).has_role("admin"):
            raise PermissionDenied("Only administrators may change approval policies.")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        self._require_admin(request)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        policy = create_policy(
            actor=Actor.from_request(request),
            key=data["key"],
            rules=_specs(data["rules"]),
            note=data.get("note", ""),
            **{k: data[k] for k in POLICY_INPUT if k in data},
        )
        return Response(self.get_serializer(policy).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        self._require_admin(request)
        current = self.get_object()
        serializer = self.get_serializer(current, data={**dict(request.data), "key": current.key})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        policy = update_policy(
            actor=Actor.from_request(request),
            policy=current,
            rules=_specs(data["rules"]),
            note=data.get("note", ""),
            **{k: data[k] for k in POLICY_INPUT if k in data},
        )
        return Response(self.get_serializer(policy).data)
