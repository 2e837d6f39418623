"""Documentation's domain errors; the API maps them by `http_status` (409) with their reasons."""

from __future__ import annotations


class DocumentConflict(Exception):
    """The document is not in a state that allows this (stale revision, incomplete, not the author)."""

    http_status = 409
    code = "document_conflict"

    def __init__(self, message: str, reasons: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.reasons = reasons or [message]


class StaleRevision(DocumentConflict):
    """The editor saw an older revision than the current one: someone saved in between."""

    code = "stale_revision"
