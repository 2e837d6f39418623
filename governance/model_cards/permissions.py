"""Who may write which document (DESIGN §1): owners write cards and datasheets; the version's
claiming validator writes its validation report. Visibility (who may read) is lifecycle.queries'."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from governance.accounts.models import User
from governance.accounts.roles import Role
from governance.audit.actors import Actor, ActorKind
from governance.inventory.models import Asset, AssetVersion
from governance.inventory.services import may_edit_asset
from governance.model_cards.models import VALIDATOR_KINDS, DocumentKind


def authoring_refusal(user: User | None, kind: str, asset: Asset, version: AssetVersion | None) -> str | None:
    """Why `user` may not write a document of `kind` here, or None when they may."""
    label = DocumentKind(kind).label
    if user is None or not user.is_active:
        return f"Only a signed-in person may write a {label.lower()}."
    if kind in VALIDATOR_KINDS:
        if version is None:
            return f"A {label.lower()} belongs to a version, not to an asset."
        if not user.has_role(Role.VALIDATOR) or version.validator_id != user.pk:
            return f"Only the validator who claimed version {version.label} may write its {label.lower()}."
        return None
    if not may_edit_asset(user, asset):
        return f"Only the asset's owner or an owner in its team may write its {label.lower()}."
    return None


def require_author(actor: Actor, kind: str, asset: Asset, version: AssetVersion | None) -> None:
    """Raise PermissionDenied unless `actor` may write this kind of document; the system may."""
    if actor.kind == ActorKind.SYSTEM:
        return
    if actor.is_integration:
        raise PermissionDenied("Integration tokens cannot write documents.")
    refusal = authoring_refusal(actor.user, kind, asset, version)
    if refusal:
        raise PermissionDenied(refusal)
