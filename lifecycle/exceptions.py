"""Lifecycle's domain errors. Each carries every unmet reason and the HTTP status it maps to."""

from __future__ import annotations


class LifecycleError(Exception):
    """Base class: `reasons` lists everything that stood in the way."""

    http_status = 409
    code = "lifecycle_error"

    def __init__(self, message: str, reasons: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.reasons = reasons or [message]


class UnknownStage(LifecycleError):
    """The requested stage does not exist (bad input)."""

    http_status = 400
    code = "unknown_stage"


class TransitionNotAllowed(LifecycleError):
    """The table has no edge from the current stage to the requested one."""

    http_status = 409
    code = "transition_not_allowed"


class StaleStage(LifecycleError):
    """The caller expected another current stage (someone moved the object first)."""

    http_status = 409
    code = "stale_stage"


class NotPermitted(LifecycleError):
    """The actor may not take this edge."""

    http_status = 403
    code = "not_permitted"


class ReasonRequired(LifecycleError):
    """The edge needs a reason and none was given (bad input)."""

    http_status = 400
    code = "reason_required"


class GuardFailed(LifecycleError):
    """One or more gates are not met in the object's current state."""

    http_status = 409
    code = "gates_not_met"
