"""Inventory API: assets and versions. Lists and details show only what the caller may see."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from governance.accounts.models import User
from governance.api.idempotency import IdempotentCommandsMixin
from governance.audit.actors import Actor
from governance.inventory import services
from governance.inventory.api.serializers import (
    VERSION_LIST_COLUMNS,
    AssetSerializer,
    AssetUpdateSerializer,
    VersionSerializer,
    VersionUpdateSerializer,
    version_list_page,
)
from governance.inventory.filtersets import AssetFilter, VersionFilter
from governance.inventory.models import Asset, AssetVersion
from lifecycle.approvals.proposals import propose_asset
from lifecycle.queries import visible_assets, visible_versions


@extend_schema_view(
    list=extend_schema(summary="List the assets you may see", tags=["inventory"]),
    retrieve=extend_schema(summary="One asset", tags=["inventory"]),
    create=extend_schema(summary="Propose an asset (owners, for their own team)", tags=["inventory"]),
    partial_update=extend_schema(summary="Change an asset's description (its owners)", tags=["inventory"]),
)
class AssetViewSet(
    IdempotentCommandsMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Assets. Nothing governed is deleted: assets are retired through a transition instead."""

    lookup_field = "slug"
    filterset_class = AssetFilter
    http_method_names = ["get", "post", "patch", "head", "options"]
    integration_allowed = True

    def get_queryset(self) -> QuerySet[Asset]:
        return (
            visible_assets(self.request.user)  # type: ignore[arg-type]
            .select_related("team", "owner")
            .prefetch_related("dependencies")
            .order_by("name", "pk")
        )

    def get_serializer_class(self) -> type[AssetSerializer]:
        return AssetUpdateSerializer if self.action == "partial_update" else AssetSerializer

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        asset = propose_asset(  # creates the asset and opens its proposal's approval request
            actor=Actor.from_request(request),
            team=data.pop("team"),
            owner=data.pop("owner", None),
            slug=data.pop("slug"),
            dependencies=data.pop("dependencies", None),
            **data,
        )
        return Response(self.get_serializer(asset).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        asset = self.get_object()
        serializer = self.get_serializer(asset, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        updated = services.update_asset(
            actor=Actor.from_request(request),
            asset=asset,
            dependencies=data.pop("dependencies", None),
            **data,
        )
        return Response(self.get_serializer(updated).data)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.partial_update(request, *args, **kwargs)


@extend_schema_view(
    list=extend_schema(summary="List the versions you may see", tags=["inventory"]),
    retrieve=extend_schema(
        summary="One version (stage is read-only: use its transitions)", tags=["inventory"]
    ),
    create=extend_schema(summary="Register a version of an asset", tags=["inventory"]),
    partial_update=extend_schema(
        summary="Change a version's technical identity (until approved)", tags=["inventory"]
    ),
)
class VersionViewSet(
    IdempotentCommandsMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Versions; `stage` changes only through POST …/transitions/."""

    filterset_class = VersionFilter
    http_method_names = ["get", "post", "patch", "head", "options"]
    integration_allowed = True

    def get_queryset(self) -> QuerySet[AssetVersion]:
        user: User = self.request.user  # type: ignore[assignment]
        if self.action == "list":  # rows are read with values(): see list()
            return visible_versions(user, read_asset_ids=True).order_by("-created_at", "-pk")
        return visible_versions(user).select_related("asset", "validator").order_by("-created_at", "-pk")

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # Read-only and polled by registries: a page is read as values() rows and shaped directly,
        # in the serializer's representation (version_list_page says why).
        versions = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(versions.values(*VERSION_LIST_COLUMNS)) or []
        return self.get_paginated_response(version_list_page(page, request))

    def get_serializer_class(self) -> type[VersionSerializer]:
        return VersionUpdateSerializer if self.action == "partial_update" else VersionSerializer

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        asset = data.pop("asset")
        version = services.register_version(
            actor=Actor.from_request(request), asset=asset, label=data.pop("label"), **data
        )
        return Response(self.get_serializer(version).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        version = self.get_object()
        serializer = self.get_serializer(version, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        updated = services.update_version(
            actor=Actor.from_request(request), version=version, **serializer.validated_data
        )
        return Response(self.get_serializer(updated).data)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.partial_update(request, *args, **kwargs)
