"""Template filters for the PDF: the bundle's facts are JSON values (ISO times, stage codes)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template

from lifecycle.stages import AssetStage, VersionStage

register = template.Library()

STAGE_LABELS = {**dict(VersionStage.choices), **dict(AssetStage.choices)}


@register.filter
def when(value: Any, style: str = "minute") -> str:
    """An ISO 8601 time (as the bundle stores it) in the report's one format, always UTC."""
    if not value:
        return "—"
    try:
        moment = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return str(value)
    if moment.tzinfo is None:  # a date
        return moment.strftime("%d %b %Y")
    moment = moment.astimezone(dt.UTC)
    if style == "second":
        return moment.strftime("%d %b %Y %H:%M:%S UTC")
    if style == "date":
        return moment.strftime("%d %b %Y")
    return moment.strftime("%d %b %Y %H:%M UTC")


@register.filter
def stage_label(value: Any) -> str:
    return str(STAGE_LABELS.get(value, value or "—"))


@register.filter
def humanise(value: Any) -> str:
    """A code such as `approval_condition` as words."""
    return str(value or "—").replace("_", " ").capitalize()


@register.filter
def short_hash(value: Any, length: int = 16) -> str:
    text = str(value or "")
    return text if len(text) <= length else text[:length] + "…"


@register.filter
def grouped(value: Any, size: int = 8) -> str:
    """A long hex string in groups, so it wraps at group boundaries and reads like a fingerprint."""
    text = str(value or "")
    return " ".join(text[i : i + size] for i in range(0, len(text), size))


@register.filter
def get(mapping: Any, key: str) -> Any:
    return mapping.get(key) if isinstance(mapping, dict) else None


@register.filter
def markdown(value: Any) -> str:
    """User-written Markdown through Steward's one safe renderer (raw HTML shown as text, no images,
    sanitised by nh3); headings start below the report's own (h4)."""
    from governance.model_cards.markdown import render_markdown

    return render_markdown(str(value or ""), heading_offset=3)


@register.filter
def percent(value: Any) -> str:
    if value is None or value == "":
        return "—"
    try:
        return f"{float(value) * 100:.1f}%"
    except (TypeError, ValueError):
        return str(value)


@register.filter
def number(value: Any, places: int = 3) -> str:
    if value is None or value == "":
        return "—"
    try:
        return f"{float(value):.{places}f}"
    except (TypeError, ValueError):
        return str(value)
