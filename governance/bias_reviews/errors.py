"""Bias reviews' domain errors; the API maps them by `http_status` (409) with their reasons."""

from __future__ import annotations


class BiasReviewConflict(Exception):
    """Not possible in the review's current state (signed off, no metrics, thresholds breached…)."""

    http_status = 409
    code = "bias_review_conflict"

    def __init__(self, message: str, reasons: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.reasons = reasons or [message]
