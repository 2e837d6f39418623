"""Parsing an observation batch, pure: the envelope and each item's shape, every problem by index.

Nothing here touches the database; which versions and metrics exist is checked by ingest.store_batch.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from governance.oversight.errors import BatchRejected

MAX_BATCH = 1000
MAX_SEGMENT = 100
# Clocks differ: a window may end a little after our "now" without being a measurement of the future.
FUTURE_SKEW = dt.timedelta(minutes=5)
ITEM_FIELDS = frozenset({"version", "metric", "value", "window_start", "window_end", "segment"})


@dataclass(slots=True)
class Item:
    """One observation whose shape is valid (its version and metric are not resolved yet)."""

    index: int
    version_id: int
    metric_key: str
    value: float
    window_start: dt.datetime
    window_end: dt.datetime
    segment: str


@dataclass
class ParsedBatch:
    size: int
    items: list[Item]
    problems: list[dict[str, Any]]

    @property
    def version_ids(self) -> set[int]:
        return {item.version_id for item in self.items}


def problem(index: int, field_name: str, reason: str) -> dict[str, Any]:
    return {"index": index, "field": field_name, "reason": reason}


def _parse_time(value: Any) -> dt.datetime | str:
    """An aware datetime from ISO 8601 text, or the reason it is not one."""
    if not isinstance(value, str):
        return "Give an ISO 8601 date and time, e.g. 2026-03-01T00:00:00Z."
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return f"“{value[:40]}” is not an ISO 8601 date and time."
    if moment.tzinfo is None:
        return "Include a time zone (e.g. a trailing Z for UTC)."
    return moment.astimezone(dt.UTC)


def _parse_item(
    index: int, raw: Any, default_version: Any, now: dt.datetime
) -> tuple[Item | None, list[dict]]:
    if not isinstance(raw, Mapping):
        return None, [problem(index, "", "Each observation must be a JSON object.")]
    problems = []
    unknown = sorted(set(raw) - ITEM_FIELDS)
    if unknown:
        problems.append(problem(index, unknown[0], f"Unknown field(s): {', '.join(map(str, unknown))}."))
    version = raw.get("version", default_version)
    if isinstance(version, bool) or not isinstance(version, int):
        problems.append(
            problem(index, "version", "Give the version's id (an integer), here or for the batch.")
        )
    metric = raw.get("metric")
    if not isinstance(metric, str) or not metric.strip():
        problems.append(problem(index, "metric", "Name the metric, as its plan calls it (e.g. auc)."))
    value = raw.get("value")
    if isinstance(value, bool) or not isinstance(value, int | float):
        problems.append(problem(index, "value", "The value must be a number."))
    elif not math.isfinite(value):
        problems.append(problem(index, "value", "NaN and infinities are not measurements."))
    start = _parse_time(raw.get("window_start"))
    end = _parse_time(raw.get("window_end"))
    for name, parsed in (("window_start", start), ("window_end", end)):
        if isinstance(parsed, str):
            problems.append(problem(index, name, parsed))
    if isinstance(start, dt.datetime) and isinstance(end, dt.datetime):
        if end < start:
            problems.append(problem(index, "window_end", "The window ends before it starts."))
        elif end > now + FUTURE_SKEW:
            problems.append(problem(index, "window_end", "The window ends in the future."))
    segment = raw.get("segment", "")
    if segment is None:
        segment = ""
    if not isinstance(segment, str) or len(segment) > MAX_SEGMENT:
        problems.append(
            problem(index, "segment", f"The segment must be text of at most {MAX_SEGMENT} characters.")
        )
    if problems:
        return None, problems
    item = Item(index, version, metric.strip(), float(value), start, end, segment.strip())  # type: ignore[arg-type,union-attr]
    return item, []


def parse_batch(data: Any, *, now: dt.datetime | None = None) -> ParsedBatch:
    """Check the batch's shape: an object with `observations` (1 to 1,000) and an optional default `version`.

    Raises BatchRejected for a malformed envelope; item problems are collected, not raised.
    """
    now = now or timezone.now()
    if not isinstance(data, Mapping):
        raise BatchRejected("Send a JSON object with an “observations” list.")
    observations = data.get("observations")
    if not isinstance(observations, list) or not observations:
        raise BatchRejected("“observations” must be a non-empty list.")
    if len(observations) > MAX_BATCH:
        raise BatchRejected(
            f"A batch holds at most {MAX_BATCH:,} observations; this one has {len(observations):,}. "
            "Nothing was stored: split it and send each part."
        )
    unknown = sorted(set(data) - {"version", "observations"})
    if unknown:
        raise BatchRejected(f"Unknown field(s) in the batch: {', '.join(map(str, unknown))}.")
    items, problems = [], []
    for index, raw in enumerate(observations):
        item, item_problems = _parse_item(index, raw, data.get("version"), now)
        if item is not None:
            items.append(item)
        problems += item_problems
    return ParsedBatch(len(observations), items, problems)
