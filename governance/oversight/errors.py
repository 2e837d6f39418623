"""Oversight's domain errors: each carries its HTTP status and a JSON body for the API's one error mapper."""

from __future__ import annotations

from typing import Any


class OversightError(Exception):
    """Base class: `message` for people, `reasons` for detail; mapped to `http_status` by the API."""

    http_status = 409
    code = "oversight_error"

    def __init__(self, message: str, reasons: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.reasons = reasons or [message]

    def body(self) -> dict[str, Any]:
        return {"detail": self.message, "code": self.code, "reasons": self.reasons}


class IncidentConflict(OversightError):
    """The change is not possible in the incident's current state (closed, already reported…)."""

    http_status = 409
    code = "incident_conflict"


class BatchRejected(OversightError):
    """An observation batch with bad items: nothing of it was stored. `items` holds each problem."""

    http_status = 400
    code = "invalid_batch"

    def __init__(self, message: str, items: list[dict[str, Any]] | None = None) -> None:
        self.items = items or []
        super().__init__(message, [self._line(item) for item in self.items] or [message])

    @staticmethod
    def _line(item: dict[str, Any]) -> str:
        field = f" ({item['field']})" if item.get("field") else ""
        return f"Observation {item['index']}{field}: {item['reason']}"

    def body(self) -> dict[str, Any]:
        return {"detail": self.message, "code": self.code, "items": self.items}
