"""Monitoring API: a version's plan (read; owners replace it until approval), ingest, observation history."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from governance.api.idempotency import IdempotentCommandsMixin
from governance.api.permissions import request_user
from governance.audit.actors import Actor
from governance.inventory.models import AssetVersion
from governance.oversight.models.monitoring import MonitoringPlan, Observation
from governance.oversight.monitoring.api.serializers import (
    BatchRejectedSerializer,
    IngestResultSerializer,
    MonitoringPlanInputSerializer,
    MonitoringPlanSerializer,
    ObservationBatchInputSerializer,
    ObservationFilterSerializer,
    ObservationSerializer,
)
from governance.oversight.monitoring.plans import may_edit_plan, save_monitoring_plan
from lifecycle.monitoring import ingest_observations
from lifecycle.queries import visible_versions

PLAN_EXAMPLE = {
    "notes": "Scored daily by the model-monitoring job; alerts go to #credit-models.",
    "metrics": [
        {
            "key": "auc",
            "name": "AUC",
            "kind": "performance",
            "direction": "higher_is_better",
            "warning_threshold": 0.75,
            "breach_threshold": 0.70,
            "suspend_on_breach": True,
        },
        {
            "key": "psi_income",
            "name": "PSI of income",
            "kind": "drift",
            "feature": "income",
            "direction": "lower_is_better",
            "warning_threshold": 0.1,
            "breach_threshold": 0.25,
        },
    ],
}
BATCH_EXAMPLE = {
    "version": 12,
    "observations": [
        {
            "metric": "auc",
            "value": 0.78,
            "window_start": "2026-03-01T00:00:00Z",
            "window_end": "2026-03-02T00:00:00Z",
        },
        {
            "metric": "psi_income",
            "value": 0.31,
            "window_start": "2026-03-01T00:00:00Z",
            "window_end": "2026-03-02T00:00:00Z",
            "segment": "region=PL",
        },
    ],
}


def _visible_version(request: Request, pk: int) -> AssetVersion:
    return get_object_or_404(visible_versions(request_user(request)).select_related("asset"), pk=pk)


class MonitoringPlanView(APIView):
    """GET: a version's monitoring plan. PUT: replace it (owners, until the version is approved)."""

    @extend_schema(
        summary="A version's monitoring plan", responses=MonitoringPlanSerializer, tags=["monitoring"]
    )
    def get(self, request: Request, pk: int) -> Response:
        version = _visible_version(request, pk)
        plan = MonitoringPlan.objects.prefetch_related("metrics").filter(version=version).first()
        editable = may_edit_plan(request_user(request), version)
        if plan is None:
            empty = {"version": version.pk, "revision": 0, "notes": "", "metrics": [], "editable": editable}
            return Response(empty | {"created_at": None, "updated_at": None, "updated_by_name": ""})
        return Response(MonitoringPlanSerializer(plan, context={"editable": editable}).data)

    @extend_schema(
        summary="Replace a version's monitoring plan",
        description=(
            "Metrics are matched by key: new keys are added, missing ones removed (refused if they already "
            "have observations), others changed. 409 once the version is approved: the plan is part of "
            "the review digest, so a different plan needs a new version. One audit event per change."
        ),
        request=MonitoringPlanInputSerializer,
        responses={200: MonitoringPlanSerializer},
        examples=[OpenApiExample("AUC and income drift", value=PLAN_EXAMPLE, request_only=True)],
        tags=["monitoring"],
    )
    def put(self, request: Request, pk: int) -> Response:
        version = _visible_version(request, pk)
        data = MonitoringPlanInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        plan = save_monitoring_plan(
            actor=Actor.from_request(request),
            version=version,
            metrics=[dict(m) for m in data.validated_data["metrics"]],
            notes=data.validated_data["notes"],
        )
        plan = MonitoringPlan.objects.prefetch_related("metrics").get(pk=plan.pk)
        editable = may_edit_plan(request_user(request), version)
        return Response(MonitoringPlanSerializer(plan, context={"editable": editable}).data)


class LenientJSONParser(JSONParser):
    """Parses NaN and Infinity too, so the ingest can name the item holding one (not refuse the body)."""

    strict = False


class ObservationIngestView(IdempotentCommandsMixin, APIView):
    """POST: one batch of up to 1,000 observations, stored all or nothing (integration tokens)."""

    integration_allowed = True
    parser_classes = [LenientJSONParser]

    @extend_schema(
        summary="Push a batch of metric observations",
        description=(
            "For integration tokens. Up to 1,000 observations per batch, for one or several versions "
            "(`version` per item, or once for the batch). Idempotent: an observation already stored "
            "for the same version, metric, window and segment with the same value is ignored; with "
            "another value it is refused. All or nothing: one bad item and nothing is stored, the 400 "
            "listing every bad item with its index and reason. Each observation is checked against the "
            "plan and stored with its status; right after the batch commits, its warnings open or update a "
            "monitoring finding and its breaches open an incident and, where the metric says so, suspend "
            "the deployed version (`evaluation`: queued). One audit event per batch."
        ),
        request=ObservationBatchInputSerializer,
        responses={
            201: IngestResultSerializer,
            400: OpenApiResponse(BatchRejectedSerializer, description="Bad items; nothing stored."),
        },
        examples=[OpenApiExample("Two observations", value=BATCH_EXAMPLE, request_only=True)],
        tags=["monitoring"],
    )
    def post(self, request: Request) -> Response:
        result = ingest_observations(actor=Actor.from_request(request), data=request.data)
        return Response(IngestResultSerializer(result).data, status=status.HTTP_201_CREATED)


class ObservationListView(generics.ListAPIView):
    """A version's observations, newest window first, filtered by metric, segment, status and time."""

    serializer_class = ObservationSerializer

    @extend_schema(
        summary="A version's observations",
        parameters=[
            OpenApiParameter("metric", str, description="metric key"),
            OpenApiParameter("segment", str, description="segment (empty for the whole population)"),
            OpenApiParameter("status", str, enum=["ok", "warning", "breach"]),
            OpenApiParameter("since", str, description="window_end at or after (ISO 8601)"),
            OpenApiParameter("until", str, description="window_end before (ISO 8601)"),
        ],
        tags=["monitoring"],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Observation]:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request to resolve
            return Observation.objects.none()
        version = _visible_version(self.request, self.kwargs["pk"])
        filters = ObservationFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        wanted = filters.validated_data
        qs = Observation.objects.filter(version=version).select_related("metric")
        if "metric" in wanted:
            qs = qs.filter(metric__key=wanted["metric"])
        if "segment" in wanted:
            qs = qs.filter(segment=wanted["segment"])
        if "status" in wanted:
            qs = qs.filter(status=wanted["status"])
        if "since" in wanted:
            qs = qs.filter(window_end__gte=wanted["since"])
        if "until" in wanted:
            qs = qs.filter(window_end__lt=wanted["until"])
        return qs.order_by("-window_end", "metric__key", "segment", "-pk")
