"""Bias review API: create and edit reviews, record metrics by hand or from a predictions file, sign off."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from governance.api.idempotency import IdempotentCommandsMixin
from governance.api.permissions import request_user
from governance.audit.actors import Actor
from governance.bias_reviews import predictions, services
from governance.bias_reviews.api.serializers import (
    BiasReviewCreateSerializer,
    BiasReviewSerializer,
    BiasReviewUpdateSerializer,
    ManualMetricsSerializer,
    PredictionsFileSerializer,
    PredictionsUploadSerializer,
    SignOffSerializer,
)
from governance.bias_reviews.entry import parse_manual_metrics
from governance.bias_reviews.models import AttributeResult, BiasReview, GroupMetric, PredictionsFile
from governance.evidence.api.views import refuse_oversized
from lifecycle.queries import visible_versions

TAGS = ["bias reviews"]


@extend_schema_view(
    list=extend_schema(
        summary="Bias reviews you may see", parameters=[OpenApiParameter("version", int)], tags=TAGS
    ),
    retrieve=extend_schema(summary="One bias review with its per-group results", tags=TAGS),
)
class BiasReviewViewSet(
    IdempotentCommandsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = BiasReviewSerializer

    def get_queryset(self) -> QuerySet[BiasReview]:
        qs = (
            BiasReview.objects.filter(version__in=visible_versions(request_user(self.request)))
            .select_related("asset", "reviewer")
            .prefetch_related(
                Prefetch(
                    "results",
                    queryset=AttributeResult.objects.order_by("position").prefetch_related(
                        Prefetch("groups", queryset=GroupMetric.objects.order_by("position"))
                    ),
                ),
                Prefetch("predictions_files", queryset=PredictionsFile.objects.select_related("uploaded_by")),
            )
        )
        version = self.request.query_params.get("version", "")
        if version.isdigit():
            qs = qs.filter(version_id=int(version))
        return qs.order_by("-created_at", "-pk")

    def get_parsers(self) -> list[Any]:
        if getattr(self, "action", None) == "predictions":
            return [MultiPartParser(), FormParser()]
        return super().get_parsers()

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if request.method == "POST" and getattr(self, "action", None) == "predictions":
            refuse_oversized(request, settings.STEWARD_PREDICTIONS_MAX_BYTES)

    def _fresh(self, review: BiasReview) -> dict[str, Any]:
        return BiasReviewSerializer(self.get_queryset().get(pk=review.pk)).data

    @extend_schema(
        summary="Open a bias review of a version (its claiming validator); thresholds come from its policy",
        request=BiasReviewCreateSerializer,
        responses={201: BiasReviewSerializer},
        examples=[
            OpenApiExample(
                "Review",
                request_only=True,
                value={
                    "version": 12,
                    "protected_attributes": ["sex", "age_band"],
                    "evaluation_data": "Out-of-time sample, 2025 Q4 applications (n=48,210).",
                },
            )
        ],
        tags=TAGS,
    )
    def create(self, request: Request) -> Response:
        data = BiasReviewCreateSerializer(data=request.data)
        data.fields["version"].queryset = visible_versions(request_user(request)).select_related("asset")  # type: ignore[attr-defined]
        data.is_valid(raise_exception=True)
        review = services.create_bias_review(actor=Actor.from_request(request), **data.validated_data)
        return Response(self._fresh(review), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Edit an open review",
        request=BiasReviewUpdateSerializer,
        responses=BiasReviewSerializer,
        tags=TAGS,
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        review = self.get_object()
        data = BiasReviewUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.update_bias_review(actor=Actor.from_request(request), review=review, **data.validated_data)
        return Response(self._fresh(review))

    @extend_schema(
        summary="Record metrics entered by hand (replaces earlier results)",
        request=ManualMetricsSerializer,
        responses=BiasReviewSerializer,
        examples=[
            OpenApiExample(
                "Two groups",
                request_only=True,
                value={
                    "attributes": [
                        {
                            "attribute": "sex",
                            "groups": [
                                {
                                    "group": "female",
                                    "count": 5120,
                                    "selection_rate": 0.31,
                                    "true_positive_rate": 0.72,
                                    "false_positive_rate": 0.08,
                                    "accuracy": 0.86,
                                },
                                {
                                    "group": "male",
                                    "count": 4980,
                                    "selection_rate": 0.35,
                                    "true_positive_rate": 0.75,
                                    "false_positive_rate": 0.09,
                                    "accuracy": 0.85,
                                },
                            ],
                        }
                    ]
                },
            )
        ],
        tags=TAGS,
    )
    @action(detail=True, methods=["post"])
    def metrics(self, request: Request, pk: str) -> Response:
        review = self.get_object()
        data = ManualMetricsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        attributes = parse_manual_metrics(data.validated_data["attributes"], review.protected_attributes)
        services.record_manual_metrics(
            actor=Actor.from_request(request), review=review, attributes=attributes
        )
        return Response(self._fresh(review))

    @extend_schema(
        summary="Upload a predictions file (multipart): a worker computes metrics, then the file is purged",
        request={"multipart/form-data": PredictionsUploadSerializer},
        responses={202: PredictionsFileSerializer},
        tags=TAGS,
    )
    @action(detail=True, methods=["post"])
    def predictions(self, request: Request, pk: str) -> Response:
        review = self.get_object()
        data = PredictionsUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        job = predictions.upload_predictions(
            actor=Actor.from_request(request),
            review=review,
            file=values["file"],
            columns={
                "y_true": values["y_true"],
                "y_pred": values["y_pred"],
                "score": values["score"],
                "groups": values["groups"],
            },
        )
        job.refresh_from_db()
        return Response(PredictionsFileSerializer(job).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary="Sign off with a verdict (the claiming validator); the review then freezes",
        request=SignOffSerializer,
        responses=BiasReviewSerializer,
        tags=TAGS,
        examples=[OpenApiExample("Pass", request_only=True, value={"verdict": "pass"})],
    )
    @action(detail=True, methods=["post"], url_path="sign-off")
    def sign_off(self, request: Request, pk: str) -> Response:
        review = self.get_object()
        data = SignOffSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.sign_off(actor=Actor.from_request(request), review=review, **data.validated_data)
        return Response(self._fresh(review))
