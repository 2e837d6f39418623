"""Proposing an asset opens its approval request (records cannot call lifecycle, so this wraps them)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from governance.audit.actors import Actor
from governance.inventory.models import Asset
from governance.inventory.services import create_asset
from lifecycle.approvals.requests import open_approval_request
from lifecycle.models import Purpose


@transaction.atomic
def propose_asset(*, actor: Actor, **fields: Any) -> Asset:
    """Create the asset (stage `proposed`, via inventory) and open its proposal request, atomically."""
    asset = create_asset(actor=actor, **fields)
    locked = Asset.objects.select_for_update().select_related("team", "owner").get(pk=asset.pk)
    open_approval_request(locked, Purpose.PROPOSAL, actor=actor)
    return asset
