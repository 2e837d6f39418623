"""Template helpers shared by every page: badges, sortable headers, audit payloads, version."""

from __future__ import annotations

import json
from typing import Any

from django import template
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString

import governance
from governance.audit.event_types import AuditAction
from lifecycle.stages import ASSET, STAGES

register = template.Library()

# Verification outcomes as people read them; the CSS gives each its colour.
VERDICT_LABELS = {
    "intact": "Intact",
    "empty": "Empty chain",
    "broken": "Broken",
    "different_chain": "Different chain",
}


def _label(choices: Any, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


@register.simple_tag
def stage_badge(stage: str, kind: str = "version") -> SafeString:
    """A stage as a coloured badge that also says the stage in words (never colour alone)."""
    stages = STAGES.get(kind, STAGES[ASSET])
    return format_html('<span class="badge badge--{}">{}</span>', stage, _label(stages, stage))


@register.simple_tag
def verdict_badge(status: str) -> SafeString:
    return format_html(
        '<span class="badge badge--verdict-{}">{}</span>', status, VERDICT_LABELS.get(status, status)
    )


@register.simple_tag(takes_context=True)
def sort_header(context: template.Context, key: str, label: str, css_class: str = "") -> SafeString:
    """A column header that sorts by `key`; clicking the active column reverses the order."""
    sorting = context["sorting"]
    request: HttpRequest = context["request"]
    active = sorting.key == key
    query = request.GET.copy()
    query["sort"] = f"-{key}" if active and not sorting.descending else key
    query.pop("page", None)
    if active:
        aria = "descending" if sorting.descending else "ascending"
        arrow = "▼" if sorting.descending else "▲"
    else:
        aria, arrow = "none", "↕"
    return format_html(
        '<th scope="col" aria-sort="{}" class="{}"><a class="sort-link" href="?{}">{}'
        '<span class="sort-icon" aria-hidden="true">{}</span></a></th>',
        aria,
        css_class,
        query.urlencode(),
        label,
        arrow,
    )


@register.simple_tag
def steward_version() -> str:
    return governance.__version__


@register.filter
def action_label(action: str) -> str:
    return _label(AuditAction, action)


@register.filter
def pretty_json(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, default=str)


@register.filter
def json_text(value: Any) -> str:
    """A JSON value as text: strings as they are, anything else as compact JSON (not Python's repr)."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)


@register.filter
def short_hash(value: str, length: int = 12) -> str:
    return value[:length] + "…" if value and len(value) > length else value


def _brief(value: Any, limit: int = 40) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _is_empty(value: Any) -> bool:
    return value in (None, "", [], {})


@register.filter
def payload_summary(payload: Any) -> str:
    """One line saying what an event's payload holds: old → new for changes, else its first non-empty keys."""
    if not isinstance(payload, dict) or not payload:
        return "" if _is_empty(payload) else _brief(payload, 80)
    old, new = payload.get("old"), payload.get("new")
    if isinstance(old, dict) and isinstance(new, dict):
        parts = [f"{key}: {_brief(old.get(key))} → {_brief(new.get(key))}" for key in sorted(new)[:3]]
        more = len(new) - 3
        return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")
    if isinstance(old, str) and isinstance(new, str):
        summary = f"{old} → {new}"
        reason = payload.get("reason")
        return f"{summary} ({_brief(reason, 60)})" if reason else summary
    if isinstance(new, dict):
        payload = new
    filled = [(key, value) for key, value in payload.items() if not _is_empty(value)]
    parts = [f"{key}: {_brief(value)}" for key, value in filled[:3]]
    return "; ".join(parts) + ("; …" if len(filled) > 3 else "")
