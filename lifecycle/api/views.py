"""Lifecycle API: the transitions command, history, available transitions and point-in-time stage.

One set of views serves assets (by slug) and versions (by id); both call transition(), the one door.
"""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from governance.api.idempotency import IdempotentCommandsMixin
from governance.api.permissions import request_user
from governance.audit.actors import Actor
from governance.inventory.models import Asset, AssetVersion
from lifecycle.api.serializers import (
    AvailableTransitionSerializer,
    StageAtQuerySerializer,
    StageAtSerializer,
    StageTransitionSerializer,
    TransitionCommandSerializer,
    TransitionResultSerializer,
)
from lifecycle.queries import history, stage_at, visible_assets, visible_versions
from lifecycle.transitions import available_transitions, transition


class GovernedObjectMixin(APIView):
    """Resolves the asset (by slug) or version (by pk) among those the caller may see, else 404."""

    kind: str = "version"

    def get_governed(self) -> Asset | AssetVersion:
        user = request_user(self.request)
        if self.kind == "asset":
            return get_object_or_404(visible_assets(user), slug=self.kwargs["slug"])
        return get_object_or_404(visible_versions(user).select_related("asset"), pk=self.kwargs["pk"])


class TransitionsView(IdempotentCommandsMixin, GovernedObjectMixin, generics.GenericAPIView):
    """GET: the object's stage history. POST: move it to another stage."""

    serializer_class = StageTransitionSerializer
    integration_allowed = True

    @extend_schema(summary="Stage history, oldest first", tags=["lifecycle"])
    def get(self, request: Request, **kwargs: Any) -> Response:
        page = self.paginate_queryset(history(self.get_governed()))
        return self.get_paginated_response(StageTransitionSerializer(page, many=True).data)

    @extend_schema(
        summary="Take a transition",
        description=(
            "Moves the object along one edge of the stage table. 400: unknown stage or missing reason; "
            "403: you may not take this edge; 409: not possible from the current stage, gates unmet "
            "(`reasons` lists every one), or `expected_from` no longer matches."
        ),
        request=TransitionCommandSerializer,
        responses={201: TransitionResultSerializer},
        examples=[
            OpenApiExample(
                "Submit for validation", value={"to": "submitted", "reason": ""}, request_only=True
            )
        ],
        tags=["lifecycle"],
    )
    def post(self, request: Request, **kwargs: Any) -> Response:
        obj = self.get_governed()  # first: an object the caller may not see is a 404, whatever the body
        command = TransitionCommandSerializer(data=request.data)
        command.is_valid(raise_exception=True)
        step = transition(obj, actor=Actor.from_request(request), **command.validated_data)
        return Response(
            TransitionResultSerializer({"transition": step, "stage": obj.stage}).data,
            status=status.HTTP_201_CREATED,
        )


class AvailableTransitionsView(GovernedObjectMixin):
    """The edges the caller may take from the current stage, each with its unmet gates."""

    @extend_schema(
        summary="Transitions you may take now",
        responses=AvailableTransitionSerializer(many=True),
        tags=["lifecycle"],
    )
    def get(self, request: Request, **kwargs: Any) -> Response:
        options = available_transitions(self.get_governed(), Actor.from_request(request))
        return Response(AvailableTransitionSerializer(options, many=True).data)


class StageAtView(GovernedObjectMixin):
    """Point in time: the stage the object was in at `at`, answered from its transition rows."""

    @extend_schema(
        summary="Stage at a point in time",
        parameters=[OpenApiParameter("at", str, required=True, description="ISO 8601 time")],
        responses=StageAtSerializer,
        tags=["lifecycle"],
    )
    def get(self, request: Request, **kwargs: Any) -> Response:
        obj = self.get_governed()  # first: an invisible object is a 404 whatever the query
        query = StageAtQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        moment = query.validated_data["at"]
        return Response(StageAtSerializer({"at": moment, "stage": stage_at(obj, moment)}).data)
