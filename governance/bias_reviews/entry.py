"""Metrics entered by hand: validate their shape into the same AttributeStats a computation yields,
so summaries and pass/fail marks come from one definition whatever the source."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError

from governance.bias_reviews.fairness import AttributeStats, GroupStats

RATES = ("selection_rate", "true_positive_rate", "false_positive_rate", "accuracy")
RATE_LABELS = {
    "selection_rate": "selection rate",
    "true_positive_rate": "true-positive rate",
    "false_positive_rate": "false-positive rate",
    "accuracy": "accuracy",
}


def _rate(value: Any, where: str, *, required: bool) -> float | None:
    if value is None or value == "":
        if required:
            raise ValidationError(f"{where} is required.")
        return None
    if isinstance(value, bool):
        raise ValidationError(f"{where} must be a number between 0 and 1.")
    try:
        number = float(value)
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"{where} must be a number between 0 and 1.") from exc
    if math.isnan(number) or not 0 <= number <= 1:
        raise ValidationError(f"{where} must be a number between 0 and 1.")
    return number


def _count(value: Any, where: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValidationError(f"{where} must be a whole number.")
    try:
        number = int(value)
    except ValueError as exc:
        raise ValidationError(f"{where} must be a whole number.") from exc
    if number < 1:
        raise ValidationError(f"{where} must be at least 1.")
    return number


def parse_manual_metrics(data: Any, protected_attributes: Sequence[str]) -> list[AttributeStats]:
    """[{attribute, groups: [{group, count?, selection_rate, true_positive_rate?, false_positive_rate?,
    accuracy?}]}] → AttributeStats; every protected attribute needs at least two groups."""
    if not isinstance(data, list) or not data:
        raise ValidationError({"attributes": "Give the metrics of at least one protected attribute."})
    results: list[AttributeStats] = []
    errors: list[str] = []
    for item in data:
        if not isinstance(item, Mapping) or not isinstance(item.get("attribute"), str):
            raise ValidationError({"attributes": "Each entry needs an attribute name and its groups."})
        name = item["attribute"].strip()
        if name not in protected_attributes:
            errors.append(f"“{name}” is not one of the review's protected attributes.")
            continue
        if any(r.attribute == name for r in results):
            errors.append(f"“{name}” is given twice.")
            continue
        raw_groups = item.get("groups")
        if not isinstance(raw_groups, list) or len(raw_groups) < 2:
            errors.append(f"“{name}” needs at least two groups to compare.")
            continue
        groups: list[GroupStats] = []
        for raw in raw_groups:
            if not isinstance(raw, Mapping) or not str(raw.get("group", "")).strip():
                errors.append(f"Every group of “{name}” needs a name.")
                break
            label = str(raw["group"]).strip()[:300]
            where = f"{name} = {label}:"
            try:
                rates = {
                    r: _rate(raw.get(r), f"{where} {RATE_LABELS[r]}", required=r == "selection_rate")
                    for r in RATES
                }
                count = _count(raw.get("count"), f"{where} count")
            except ValidationError as exc:
                errors.extend(exc.messages)
                continue
            if any(g.group == label for g in groups):
                errors.append(f"“{name}” lists the group “{label}” twice.")
                continue
            selection = rates["selection_rate"]
            groups.append(
                GroupStats(
                    label,
                    selection if selection is not None else 0.0,
                    rates["true_positive_rate"],
                    rates["false_positive_rate"],
                    rates["accuracy"],
                    count=count,
                )
            )
        results.append(AttributeStats(name, groups))
    missing = [a for a in protected_attributes if a not in {r.attribute for r in results}]
    if missing and not errors:
        errors.append(f"Metrics are missing for: {', '.join(missing)}.")
    if errors:
        raise ValidationError({"attributes": errors})
    return results
