"""The version page's bias-review panel (edge code), registered from the AppConfig."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from governance.bias_reviews.queries import current_review, results_of
from governance.bias_reviews.services import review_refusal
from governance.inventory.models import AssetVersion
from governance.web.panels import Panel, register_version_panel
from lifecycle.stages import FROZEN_VERSION_STAGES


def bias_panel(request: HttpRequest, version: AssetVersion) -> dict[str, Any]:
    review = current_review(version)
    may_write = review_refusal(request.user, version) is None  # type: ignore[arg-type]
    return {
        "version": version,
        "review": review,
        "results": list(results_of(review)) if review else [],
        "may_open": may_write
        and version.stage not in FROZEN_VERSION_STAGES
        and (review is None or review.is_signed),
    }


def register() -> None:
    register_version_panel(Panel("bias-review", "bias_reviews/panel.html", bias_panel, order=35))
