"""Findings API: the register (filtered, visible objects only), raise, edit, status, comments.

An API edge: visibility comes from lifecycle.queries; rules live in governance.oversight.findings.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from governance.api.idempotency import IdempotentCommandsMixin
from governance.api.permissions import request_user
from governance.audit.actors import Actor
from governance.oversight import findings as services
from governance.oversight.api.findings_serializers import (
    CommentCommandSerializer,
    FindingCommentSerializer,
    FindingSerializer,
    FindingUpdateSerializer,
    StatusCommandSerializer,
)
from governance.oversight.models import Finding, FindingSource, FindingStatus, Severity
from lifecycle.queries import visible_assets, visible_versions


class FindingFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=FindingStatus.choices)
    severity = filters.ChoiceFilter(choices=Severity.choices)
    source = filters.ChoiceFilter(choices=FindingSource.choices)
    asset = filters.CharFilter(field_name="asset__slug")
    version = filters.NumberFilter(field_name="version_id")
    owner = filters.CharFilter(field_name="owner__username")
    due_before = filters.DateFilter(field_name="due_date", lookup_expr="lte")

    class Meta:
        model = Finding
        fields = ["status", "severity", "source", "asset", "version", "owner", "due_before"]


@extend_schema_view(
    list=extend_schema(summary="Findings on objects you may see", tags=["findings"]),
    retrieve=extend_schema(summary="One finding with its comments and links", tags=["findings"]),
    create=extend_schema(summary="Raise a finding", tags=["findings"]),
    partial_update=extend_schema(
        summary="Edit a finding", request=FindingUpdateSerializer, tags=["findings"]
    ),
)
class FindingViewSet(
    IdempotentCommandsMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = FindingSerializer
    filterset_class = FindingFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Finding]:
        return (
            Finding.objects.filter(asset__in=visible_assets(request_user(self.request)))
            .select_related("asset", "owner", "risk_accepted_by")
            .prefetch_related("comments", "links")
            .order_by("-created_at", "-pk")
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        user = request_user(request)
        asset = get_object_or_404(visible_assets(user), pk=data.pop("asset").pk)
        version = data.pop("version", None)
        if version is not None:
            version = get_object_or_404(visible_versions(user), pk=version.pk)
        finding = services.raise_finding(
            actor=Actor.from_request(request), asset=asset, version=version, **data
        )
        return Response(self.get_serializer(finding).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        finding = self.get_object()
        command = FindingUpdateSerializer(data=request.data, partial=True)
        command.is_valid(raise_exception=True)
        finding = services.update_finding(
            actor=Actor.from_request(request), finding=finding, **command.validated_data
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=finding.pk)).data)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.partial_update(request, *args, **kwargs)

    @extend_schema(
        summary="Change a finding's status",
        description="Risk acceptance: approvers outside the owning team, with a future `accepted_until`.",
        request=StatusCommandSerializer,
        responses=FindingSerializer,
        tags=["findings"],
    )
    @action(detail=True, methods=["post"])
    def status(self, request: Request, pk: str | None = None) -> Response:
        finding = self.get_object()
        command = StatusCommandSerializer(data=request.data)
        command.is_valid(raise_exception=True)
        services.change_finding_status(
            actor=Actor.from_request(request), finding=finding, **command.validated_data
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=finding.pk)).data)

    @extend_schema(
        summary="Comment on a finding",
        request=CommentCommandSerializer,
        responses={201: FindingCommentSerializer},
        tags=["findings"],
    )
    @action(detail=True, methods=["post"])
    def comments(self, request: Request, pk: str | None = None) -> Response:
        finding = self.get_object()
        command = CommentCommandSerializer(data=request.data)
        command.is_valid(raise_exception=True)
        comment = services.comment_on_finding(
            actor=Actor.from_request(request), finding=finding, body=command.validated_data["body"]
        )
        return Response(FindingCommentSerializer(comment).data, status=status.HTTP_201_CREATED)
