"""Turn service payloads into JSON-native values before they are canonicalised and hashed."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db import models


def utc_iso(moment: dt.datetime) -> str:
    """The ledger's one time format: ISO 8601, UTC, microseconds, trailing Z."""
    if moment.tzinfo is None:
        raise ValueError("naive datetimes are refused: Steward keeps time in UTC")
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def to_json_value(value: Any) -> Any:
    """Recursively convert datetimes, dates, UUIDs, Decimals, enums and model instances to JSON values.

    Floats pass through untouched (NaN and infinities are refused later by the canonicaliser).
    """
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, enum.Enum):
        return to_json_value(value.value)
    if isinstance(value, dt.datetime):
        return utc_iso(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return {"type": value._meta.label_lower, "id": str(value.pk)}
    if isinstance(value, Mapping):
        return {str(k): to_json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [to_json_value(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    raise TypeError(f"cannot record a value of type {type(value).__name__} in the audit ledger")
