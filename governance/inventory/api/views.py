"""Inventory API: assets and versions. Lists and details show only what the caller may see."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from governance.api.idempotency import IdempotentCommandsMixin
from governance.audit.actors import Actor
from governance.inventory import services
from governance.inventory.api.serializers import (
    AssetSerializer,
    AssetUpdateSerializer,
    VersionSerializer,
    VersionUpdateSerializer,
)
from governance.inventory.filtersets import AssetFilter, VersionFilter
from governance.inventory.models import Asset, AssetVersion
from lifecycle.approvals.proposals import propose_asset
from lifecycle.queries import visible_assets, visible_versions

VERSION_COLUMNS = tuple(field.name for field in AssetVersion._meta.concrete_fields)


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
        listing = self.action == "list"
        versions = visible_versions(self.request.user, resolve_assets=listing)  # type: ignore[arg-type]
        if listing:
            # The serializer reads only these columns of the joined rows.
            versions = versions.only(*VERSION_COLUMNS, "asset__slug", "validator__username")
        return versions.select_related("asset", "validator").order_by("-created_at", "-pk")

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
