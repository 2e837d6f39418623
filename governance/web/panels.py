"""Panels on the asset and version pages, contributed by the apps that own their content.

An app registers a Panel in its AppConfig.ready(); the page renders every panel in `order`, each
with its own template and context. This keeps documents, approvals, findings, monitoring and
reports out of one shared template.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe


@dataclass(frozen=True)
class Panel:
    key: str
    template: str
    # context(request, obj) -> extra template context, or None to hide the panel for this viewer/object.
    context: Callable[[HttpRequest, Any], dict[str, Any] | None]
    order: int = 100


ASSET_PANELS: dict[str, Panel] = {}
VERSION_PANELS: dict[str, Panel] = {}


def register_asset_panel(panel: Panel) -> None:
    ASSET_PANELS[panel.key] = panel


def register_version_panel(panel: Panel) -> None:
    VERSION_PANELS[panel.key] = panel


def render_panels(request: HttpRequest, obj: Any, panels: dict[str, Panel]) -> SafeString:
    """Render each visible panel's template (autoescaped, like any template) in order."""
    parts = []
    for panel in sorted(panels.values(), key=lambda p: (p.order, p.key)):
        extra = panel.context(request, obj)
        if extra is None:
            continue
        parts.append(render_to_string(panel.template, {"object": obj, **extra}, request=request))
    # Each part is an autoescaped template render, so joining them stays safe.
    return mark_safe("".join(parts))
