"""Threshold logic, pure: where a value stands against a metric's warning and breach thresholds."""

from __future__ import annotations

from governance.oversight.models.monitoring import Direction, ObservationStatus

SEVERITY_ORDER = {ObservationStatus.OK: 0, ObservationStatus.WARNING: 1, ObservationStatus.BREACH: 2}


def classify(value: float, *, direction: str, warning: float | None, breach: float) -> str:
    """ok, warning or breach. A value equal to a threshold is still within it (comparisons are strict)."""
    if direction == Direction.HIGHER_IS_BETTER:
        if value < breach:
            return ObservationStatus.BREACH
        if warning is not None and value < warning:
            return ObservationStatus.WARNING
        return ObservationStatus.OK
    if value > breach:
        return ObservationStatus.BREACH
    if warning is not None and value > warning:
        return ObservationStatus.WARNING
    return ObservationStatus.OK


def worse(a: str, b: str) -> str:
    """The worse of two statuses."""
    return a if SEVERITY_ORDER[a] >= SEVERITY_ORDER[b] else b  # type: ignore[index]


def describe(value: float, *, direction: str, warning: float | None, breach: float, unit: str = "") -> str:
    """A sentence saying where the value stands, e.g. “0.61 is below the breach threshold 0.65”."""
    status = classify(value, direction=direction, warning=warning, breach=breach)
    suffix = f" {unit}" if unit else ""
    side = "below" if direction == Direction.HIGHER_IS_BETTER else "above"
    if status == ObservationStatus.BREACH:
        return f"{value:g}{suffix} is {side} the breach threshold {breach:g}{suffix}"
    if status == ObservationStatus.WARNING:
        return f"{value:g}{suffix} is {side} the warning threshold {warning:g}{suffix}"
    return f"{value:g}{suffix} is within thresholds"


def threshold_problems(direction: str, warning: float | None, breach: float | None) -> list[str]:
    """Why a pair of thresholds is inconsistent with the direction ([] when fine)."""
    if breach is None or warning is None:
        return []
    if direction == Direction.HIGHER_IS_BETTER and warning < breach:
        return ["When higher is better, the warning threshold must be at or above the breach threshold."]
    if direction == Direction.LOWER_IS_BETTER and warning > breach:
        return ["When lower is better, the warning threshold must be at or below the breach threshold."]
    return []
