"""Page panels (edge code): a version's and an asset's documents, registered from the AppConfig."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from governance.accounts.models import User
from governance.inventory.models import Asset, AssetVersion
from governance.model_cards.models import DocumentKind
from governance.model_cards.permissions import authoring_refusal
from governance.model_cards.queries import asset_documents, version_documents
from governance.model_cards.services import previous_document
from governance.web.panels import Panel, register_asset_panel, register_version_panel

VERSION_KINDS = (DocumentKind.MODEL_CARD, DocumentKind.VALIDATION_REPORT, DocumentKind.ANNEX_IV)
ASSET_KINDS = (DocumentKind.DATASHEET, DocumentKind.ANNEX_IV)


def version_documents_panel(request: HttpRequest, version: AssetVersion) -> dict[str, Any]:
    documents = {d.kind: d for d in version_documents(version)}
    user: User = request.user  # type: ignore[assignment]
    rows = []
    for kind in VERSION_KINDS:
        may_write = authoring_refusal(user, kind, version.asset, version) is None
        previous = previous_document(version, kind) if kind not in documents and may_write else None
        rows.append(
            {
                "kind": kind,
                "label": DocumentKind(kind).label,
                "document": documents.get(kind),
                "may_create": may_write and kind not in documents,
                "previous": previous,
            }
        )
    return {"rows": rows, "version": version}


def asset_documents_panel(request: HttpRequest, asset: Asset) -> dict[str, Any]:
    documents = {d.kind: d for d in asset_documents(asset)}
    user: User = request.user  # type: ignore[assignment]
    rows = [
        {
            "kind": kind,
            "label": DocumentKind(kind).label,
            "document": documents.get(kind),
            "may_create": kind not in documents and authoring_refusal(user, kind, asset, None) is None,
        }
        for kind in ASSET_KINDS
    ]
    return {"rows": rows, "asset": asset}


def register() -> None:
    register_version_panel(
        Panel("documents", "model_cards/panel_version.html", version_documents_panel, order=30)
    )
    register_asset_panel(
        Panel("asset-documents", "model_cards/panel_asset.html", asset_documents_panel, order=40)
    )
