"""Bias review pages: open a review, its results (per-group table with marks and an SVG chart), hand
entry of metrics, predictions upload and sign-off. Everything resolves among what the viewer may see."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import filesizeformat
from django.views.decorators.http import require_POST

from governance.accounts.models import User
from governance.audit.actors import Actor
from governance.bias_reviews import predictions, services
from governance.bias_reviews.charts import selection_rate_chart
from governance.bias_reviews.entry import RATES, parse_manual_metrics
from governance.bias_reviews.errors import BiasReviewConflict
from governance.bias_reviews.models import BiasReview, Verdict
from governance.bias_reviews.queries import predictions_files, results_of
from governance.bias_reviews.thresholds import LABELS, thresholds_for
from governance.evidence.api.views import MULTIPART_SLACK
from governance.inventory.errors import FrozenError
from lifecycle.queries import visible_versions

MANUAL_ROWS = 6
HANDLED = (ValidationError, PermissionDenied, FrozenError, BiasReviewConflict)


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _review(request: HttpRequest, pk: int) -> BiasReview:
    return get_object_or_404(
        BiasReview.objects.filter(version__in=visible_versions(_user(request))).select_related(
            "version", "asset"
        ),
        pk=pk,
    )


def _messages(exc: Exception) -> list[str]:
    if isinstance(exc, ValidationError):
        return [str(m) for m in exc.messages]
    if isinstance(exc, BiasReviewConflict):
        return [exc.message, *[r for r in exc.reasons if r != exc.message]]
    return [str(exc)]


def _flash(request: HttpRequest, exc: Exception) -> None:
    for message in _messages(exc):
        messages.error(request, message)


def review_context(request: HttpRequest, review: BiasReview) -> dict[str, Any]:
    results = list(results_of(review))
    ratio_min = review.thresholds.get("demographic_parity_ratio_min")
    may_write = services.review_refusal(_user(request), review.version) is None and not review.is_signed
    return {
        "review": review,
        "version": review.version,
        "asset": review.asset,
        "results": [
            {
                "result": r,
                "groups": list(r.groups.all()),
                "chart": selection_rate_chart(list(r.groups.all()), ratio_min),
            }
            for r in results
        ],
        "thresholds": [(LABELS[k], v) for k, v in review.thresholds.items() if v is not None],
        "files": list(predictions_files(review)),
        "may_write": may_write,
        "verdicts": Verdict.choices,
        "max_size": filesizeformat(settings.STEWARD_PREDICTIONS_MAX_BYTES),
        "retention_hours": settings.STEWARD_PREDICTIONS_RETENTION_HOURS,
    }


@login_required
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    review = _review(request, pk)
    return render(request, "bias_reviews/review.html", review_context(request, review))


@login_required
def review_create(request: HttpRequest, version_id: int) -> HttpResponse:
    version = get_object_or_404(visible_versions(_user(request)).select_related("asset"), pk=version_id)
    refusal = services.review_refusal(_user(request), version)
    if refusal:
        raise PermissionDenied(refusal)
    errors: list[str] = []
    data = {
        "protected_attributes": request.POST.get("protected_attributes", ""),
        "evaluation_data": request.POST.get("evaluation_data", ""),
    }
    if request.method == "POST":
        try:
            review = services.create_bias_review(
                actor=Actor.from_request(request),
                version=version,
                protected_attributes=[
                    a.strip() for a in data["protected_attributes"].split(",") if a.strip()
                ],
                evaluation_data=data["evaluation_data"],
            )
        except HANDLED as exc:
            errors = _messages(exc)
        else:
            messages.success(request, "Bias review opened; its thresholds are copied from the policy.")
            return redirect(review)
    return render(
        request,
        "bias_reviews/review_form.html",
        {
            "version": version,
            "asset": version.asset,
            "data": data,
            "errors": errors,
            "thresholds": thresholds_for(version),
        },
        status=400 if errors else 200,
    )


@login_required
@require_POST
def review_edit(request: HttpRequest, pk: int) -> HttpResponse:
    review = _review(request, pk)
    try:
        services.update_bias_review(
            actor=Actor.from_request(request),
            review=review,
            protected_attributes=[
                a.strip() for a in request.POST.get("protected_attributes", "").split(",") if a.strip()
            ],
            evaluation_data=request.POST.get("evaluation_data"),
            mitigation_plan=request.POST.get("mitigation_plan"),
        )
    except HANDLED as exc:
        _flash(request, exc)
    else:
        messages.success(request, "Bias review updated.")
    return redirect(review)


def _manual_rows(review: BiasReview, data: Any) -> list[dict[str, Any]]:
    """The grid of the manual-metrics form as the API's shape (blank rows dropped)."""
    attributes = []
    for a, name in enumerate(review.protected_attributes):
        groups = []
        for r in range(MANUAL_ROWS):
            row = {f: data.get(f"a{a}-r{r}-{f}", "").strip() for f in ("group", "count", *RATES)}
            if any(row.values()):
                groups.append({k: (v or None) for k, v in row.items()} | {"group": row["group"]})
        attributes.append({"attribute": name, "groups": groups})
    return attributes


@login_required
def manual_metrics(request: HttpRequest, pk: int) -> HttpResponse:
    """Enter per-group metrics by hand: for each protected attribute, one row per group."""
    review = _review(request, pk)
    refusal = services.review_refusal(_user(request), review.version)
    if refusal:
        raise PermissionDenied(refusal)
    errors: list[str] = []
    if request.method == "POST":
        try:
            attributes = parse_manual_metrics(_manual_rows(review, request.POST), review.protected_attributes)
            services.record_manual_metrics(
                actor=Actor.from_request(request), review=review, attributes=attributes
            )
        except HANDLED as exc:
            errors = _messages(exc)
        else:
            messages.success(request, "Metrics recorded.")
            return redirect(review)
    grid = []
    existing = {r.attribute: list(r.groups.all()) for r in results_of(review)}
    for a, name in enumerate(review.protected_attributes):
        rows = []
        for r in range(MANUAL_ROWS):
            prefix = f"a{a}-r{r}-"
            old = existing.get(name, [])
            known = old[r] if r < len(old) else None
            rows.append(
                {
                    "prefix": prefix,
                    "number": r + 1,
                    "values": {
                        f: request.POST.get(prefix + f, "")
                        if request.method == "POST"
                        else ("" if known is None or getattr(known, f) is None else getattr(known, f))
                        for f in ("group", "count", *RATES)
                    },
                }
            )
        grid.append({"name": name, "rows": rows, "index": a})
    return render(
        request,
        "bias_reviews/manual_metrics.html",
        {
            "review": review,
            "version": review.version,
            "asset": review.asset,
            "grid": grid,
            "errors": errors,
        },
        status=400 if errors else 200,
    )


@login_required
@require_POST
def upload_predictions(request: HttpRequest, pk: int) -> HttpResponse:
    review = _review(request, pk)
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    if length > settings.STEWARD_PREDICTIONS_MAX_BYTES + MULTIPART_SLACK:
        messages.error(
            request,
            "The upload is larger than the limit of "
            f"{filesizeformat(settings.STEWARD_PREDICTIONS_MAX_BYTES)}.",
        )
        return redirect(review)
    try:
        file = request.FILES.get("file")
        if file is None:
            raise ValidationError({"file": "Choose a predictions file."})
        job = predictions.upload_predictions(
            actor=Actor.from_request(request),
            review=review,
            file=file,
            columns={k: request.POST.get(k, "") for k in ("y_true", "y_pred", "score", "groups")},
        )
    except HANDLED as exc:
        for message in _messages(exc):
            messages.error(request, f"Predictions file refused: {message}")
    else:
        job.refresh_from_db()
        if job.status == "failed":
            messages.error(request, f"The computation failed: {job.error} Earlier results are kept.")
        elif job.status == "succeeded":
            messages.success(request, f"Metrics computed from {job.row_count:,} rows; the file was purged.")
        else:
            messages.success(request, "Predictions file received; the metrics are being computed.")
    return redirect(review)


@login_required
@require_POST
def sign_off(request: HttpRequest, pk: int) -> HttpResponse:
    review = _review(request, pk)
    try:
        services.sign_off(
            actor=Actor.from_request(request),
            review=review,
            verdict=request.POST.get("verdict", ""),
            mitigation_plan=request.POST.get("mitigation_plan"),
        )
    except HANDLED as exc:
        _flash(request, exc)
    else:
        messages.success(request, "Bias review signed off.")
    return redirect(review)
