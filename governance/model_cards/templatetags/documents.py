"""Template helpers for documents: safe Markdown and document status badges."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from governance.model_cards.markdown import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str | None, heading_offset: int = 2) -> SafeString:
    """User Markdown rendered and sanitised (headings demoted below the page's h2/h3)."""
    return render_markdown(text, heading_offset=heading_offset)


@register.simple_tag
def document_badges(document: Any) -> SafeString:
    """Completeness and finality as badges that say so in words."""
    if document is None or document.current_revision is None:
        return format_html('<span class="badge badge--doc-empty">{}</span>', "Not started")
    complete = document.current_revision.is_complete
    parts = [
        format_html(
            '<span class="badge badge--doc-{}">{}</span>',
            "complete" if complete else "incomplete",
            "Complete" if complete else "Incomplete",
        )
    ]
    if document.is_final:
        parts.append(format_html('<span class="badge badge--doc-final">{}</span>', "Final"))
    else:
        parts.append(format_html('<span class="badge badge--doc-draft">{}</span>', "Draft"))
    return format_html('<span class="badges">{}{}</span>', parts[0], parts[1])


@register.simple_tag
def pass_mark(ok: bool | None, passed: str = "Meets", failed: str = "Breaches") -> SafeString:
    """A pass/fail mark with its meaning in text (never colour alone)."""
    if ok is None:
        return format_html('<span class="badge badge--doc-empty">{}</span>', "Not judged")
    return format_html(
        '<span class="badge badge--{}">{}</span>',
        "mark-pass" if ok else "mark-fail",
        passed if ok else failed,
    )


@register.filter
def get_item(mapping: Any, key: str) -> Any:
    """mapping[key] for dicts in templates (structured fields), or None."""
    return mapping.get(key) if isinstance(mapping, dict) else None
