"""Safe Markdown: the one renderer for user text in pages and PDFs.

markdown-it-py parses CommonMark (plus tables and strikethrough) with raw HTML disabled, so any
HTML a user types is shown as text. Images are never loaded (a remote image would leak who reads
the document, and a data: image could hide content); they are shown as their alt text. The HTML is
then passed through nh3 (the Ammonia sanitiser) with an allow-list of tags and attributes: no
style attributes or <style>, no scripts, no event handlers, and links only to http(s) and mailto.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

import nh3
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt
from markdown_it.token import Token

ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "strong",
    "em",
    "s",
    "del",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "span",
}
# `class` is granted through ALLOWED_CLASSES only (named classes, never arbitrary ones).
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
ALIGN_CLASSES = {"md-align-left", "md-align-center", "md-align-right"}
ALLOWED_CLASSES = {"span": {"md-image"}, "th": ALIGN_CLASSES, "td": ALIGN_CLASSES}
URL_SCHEMES = {"http", "https", "mailto"}


def _image_as_text(renderer: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    alt = "".join(child.content for child in tokens[idx].children or [])
    return f'<span class="md-image">[image: {escape(alt) or "no description"}]</span>'


def _alignment_as_class(state: Any) -> None:
    """Tables: markdown-it writes alignment as style="text-align:…", which a strict CSP forbids."""
    for token in state.tokens:
        if token.type in {"th_open", "td_open"}:
            style = token.attrGet("style") or ""
            if style.startswith("text-align:"):
                token.attrs.pop("style", None)
                token.attrSet("class", f"md-align-{style.split(':', 1)[1].strip()}")


def _heading_offset(state: Any) -> None:
    offset = state.env.get("heading_offset", 0) if isinstance(state.env, dict) else 0
    if not offset:
        return
    for token in state.tokens:
        if token.type in {"heading_open", "heading_close"}:
            level = min(6, int(token.tag[1]) + offset)
            token.tag = f"h{level}"


@cache
def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.add_render_rule("image", _image_as_text)
    md.core.ruler.push("steward_alignment", _alignment_as_class)
    md.core.ruler.push("steward_heading_offset", _heading_offset)
    return md


def sanitize_html(html: str) -> str:
    """nh3 with Steward's allow-list: what survives can carry no script, style or remote resource."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        clean_content_tags={"script", "style"},
        strip_comments=True,
    )


def render_markdown(text: str | None, *, heading_offset: int = 0) -> SafeString:
    """Render user Markdown to sanitised HTML, safe to insert into a page or a PDF template.

    `heading_offset` demotes headings (1 turns "# x" into <h2>) so user headings nest under the page's.
    """
    if not text:
        return mark_safe("")
    html = _parser().render(text, {"heading_offset": heading_offset})
    return mark_safe(sanitize_html(html))
