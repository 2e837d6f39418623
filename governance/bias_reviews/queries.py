"""Read side of bias reviews: a version's current review and its results. Visibility is the caller's."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from governance.bias_reviews.models import AttributeResult, BiasReview, GroupMetric, PredictionsFile
from governance.inventory.models import AssetVersion


def version_reviews(version: AssetVersion) -> QuerySet[BiasReview]:
    """Every bias review of the version, newest first."""
    return (
        BiasReview.objects.filter(version=version).select_related("reviewer").order_by("-created_at", "-pk")
    )


def current_review(version: AssetVersion) -> BiasReview | None:
    """The version's most recent review: the one the bias gate and the review digest look at."""
    return version_reviews(version).first()


def results_of(review: BiasReview) -> QuerySet[AttributeResult]:
    """The review's per-attribute results with their groups, in order."""
    return (
        AttributeResult.objects.filter(review=review)
        .order_by("position")
        .prefetch_related(Prefetch("groups", queryset=GroupMetric.objects.order_by("position")))
    )


def predictions_files(review: BiasReview) -> QuerySet[PredictionsFile]:
    return PredictionsFile.objects.filter(review=review).order_by("-uploaded_at", "-pk")
