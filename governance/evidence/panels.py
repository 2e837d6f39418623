"""The version page's evidence panel (edge code), registered from the AppConfig."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from governance.evidence.queries import version_evidence
from governance.evidence.views import upload_context
from governance.inventory.models import AssetVersion
from governance.web.panels import Panel, register_version_panel
from lifecycle.stages import FROZEN_VERSION_STAGES


def evidence_panel(request: HttpRequest, version: AssetVersion) -> dict[str, Any]:
    items = list(version_evidence(version))
    current = [e for e in items if e.is_current]
    return {
        "version": version,
        "items": current,
        "superseded_count": len(items) - len(current),
        "frozen": version.stage in FROZEN_VERSION_STAGES,
        **upload_context(request, version),
    }


def register() -> None:
    register_version_panel(Panel("evidence", "evidence/panel.html", evidence_panel, order=40))
