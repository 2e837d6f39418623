"""Fairness thresholds and where a new review gets them.

Records may not import the lifecycle, where approval policies live. So the lifecycle registers a
threshold source (lifecycle/gates_bias.py) that answers from the version's matching policy; when no
source answers, the defaults from settings apply (demographic-parity ratio ≥ 0.8, the four-fifths rule).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError

from governance.inventory.models import AssetVersion

KEYS = ("demographic_parity_ratio_min", "demographic_parity_difference_max", "equalized_odds_difference_max")
LABELS = {
    "demographic_parity_ratio_min": "Demographic-parity ratio at least",
    "demographic_parity_difference_max": "Demographic-parity difference at most",
    "equalized_odds_difference_max": "Equalized-odds difference at most",
}


@dataclass(frozen=True)
class Thresholds:
    """Limits a review is judged against; None means the metric is reported but not held to a limit."""

    demographic_parity_ratio_min: float | None = 0.8
    demographic_parity_difference_max: float | None = None
    equalized_odds_difference_max: float | None = None
    source: str = "default"

    def as_json(self) -> dict[str, float | None]:
        return {key: getattr(self, key) for key in KEYS}

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], source: str) -> Thresholds:
        """Validated thresholds from JSON-like data (each a number in [0, 1], or null)."""
        unknown = set(data) - set(KEYS)
        if unknown:
            raise ValidationError({"thresholds": f"Unknown thresholds: {', '.join(sorted(unknown))}."})
        values: dict[str, float | None] = {}
        for key in KEYS:
            value = data.get(key)
            if value is None or value == "":
                values[key] = None
                continue
            if isinstance(value, bool):
                raise ValidationError({"thresholds": f"{LABELS[key]} must be a number between 0 and 1."})
            try:
                number = float(value)
            except (TypeError, ValueError) as exc:
                raise ValidationError(
                    {"thresholds": f"{LABELS[key]} must be a number between 0 and 1."}
                ) from exc
            if not 0 <= number <= 1:
                raise ValidationError({"thresholds": f"{LABELS[key]} must be between 0 and 1."})
            values[key] = number
        return cls(**values, source=source)

    def describe(self) -> list[str]:
        return [f"{LABELS[k]} {getattr(self, k):.2f}" for k in KEYS if getattr(self, k) is not None]


def _setting(name: str) -> float | None:
    raw = str(getattr(settings, name, "") or "").strip()
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a number between 0 and 1, got {raw!r}") from exc


def default_thresholds() -> Thresholds:
    """The installation's defaults (STEWARD_BIAS_* settings)."""
    return Thresholds(
        demographic_parity_ratio_min=_setting("STEWARD_BIAS_DP_RATIO_MIN"),
        demographic_parity_difference_max=_setting("STEWARD_BIAS_DP_DIFFERENCE_MAX"),
        equalized_odds_difference_max=_setting("STEWARD_BIAS_EO_DIFFERENCE_MAX"),
        source="Steward default (settings)",
    )


# source(version) -> Thresholds from its matching policy, or None. Registered by lifecycle.gates_bias.
ThresholdSource = Callable[[AssetVersion], Thresholds | None]
THRESHOLD_SOURCES: list[ThresholdSource] = []


def register_threshold_source(source: ThresholdSource) -> ThresholdSource:
    if source not in THRESHOLD_SOURCES:
        THRESHOLD_SOURCES.append(source)
    return source


def thresholds_for(version: AssetVersion) -> Thresholds:
    """Thresholds for a new review of `version`: the first registered source that answers, else defaults."""
    for source in THRESHOLD_SOURCES:
        found = source(version)
        if found is not None:
            return found
    return default_thresholds()
