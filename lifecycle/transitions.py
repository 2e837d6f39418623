"""The one door for stage changes (house rule 1). Nothing else writes `stage`.

transition() locks the row, checks the table, the permission and every guard (all unmet reasons
collected), then writes the stage, a StageTransition row, lets in-transaction listeners write their
rows, and appends the audit event last, so the ledger's append lock is held only briefly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from governance.audit.actors import Actor
from governance.audit.event_types import AuditAction
from governance.audit.ledger import record_event
from governance.inventory.models import Asset, AssetVersion
from lifecycle.exceptions import (
    GuardFailed,
    NotPermitted,
    ReasonRequired,
    StaleStage,
    TransitionNotAllowed,
    UnknownStage,
)
from lifecycle.guards import GuardContext, unmet_reasons
from lifecycle.hooks import TransitionEvent, notify_listeners
from lifecycle.models import StageTransition
from lifecycle.permissions import permission_reasons
from lifecycle.stages import ASSET, STAGES, VERSION, Edge, VersionStage, edges_from, find_edge

if TYPE_CHECKING:
    from lifecycle.models import ApprovalRequest

Governed = Asset | AssetVersion


def kind_of(obj: Governed) -> str:
    return VERSION if isinstance(obj, AssetVersion) else ASSET


def _lock(obj: Governed) -> tuple[Asset, AssetVersion | None]:
    """Lock the rows: a version, then its asset (always in that order, so two lockers cannot deadlock).

    Locking the asset too serialises a version's deployment against the asset's retirement.
    """
    assets = Asset.objects.select_for_update(of=("self",)).select_related("team")
    if isinstance(obj, AssetVersion):
        version = AssetVersion.objects.select_for_update().get(pk=obj.pk)
        version.asset = assets.get(pk=version.asset_id)
        return version.asset, version
    return assets.get(pk=obj.pk), None


def _describe(stage: str, kind: str) -> str:
    return str(STAGES[kind](stage).label)


@dataclass(frozen=True)
class TransitionOption:
    """An edge the actor may take by role, with the gates still unmet (empty = can be taken now)."""

    edge: Edge
    unmet: list[str] = field(default_factory=list)

    @property
    def enabled(self) -> bool:
        return not self.unmet


@transaction.atomic
def transition(
    obj: Governed,
    to: str,
    *,
    actor: Actor,
    reason: str = "",
    expected_from: str | None = None,
    approval: ApprovalRequest | None = None,
) -> StageTransition:
    """Move an asset or version to stage `to`, or raise a LifecycleError naming every unmet reason.

    `approval` is passed only by the approval service: the request whose decision takes this edge
    (quorum edges, rejections and send-backs are reachable only that way).

    Raises UnknownStage / ReasonRequired (400), NotPermitted (403), TransitionNotAllowed / StaleStage /
    GuardFailed (409); when it raises, nothing has been written. On success writes the stage, one
    StageTransition and one `lifecycle.stage_changed` audit event, in one transaction.
    """
    kind = kind_of(obj)
    stages = STAGES[kind]
    if to not in stages.values:
        raise UnknownStage(
            f"“{to}” is not a {kind} stage.", [f"Known {kind} stages: {', '.join(stages.values)}."]
        )
    asset, version = _lock(obj)
    current = version or asset
    source = current.stage
    if expected_from is not None and expected_from != source:
        now_in, expected = _describe(source, kind), _describe(expected_from, kind)
        raise StaleStage(f"The {kind} is {now_in}, not {expected}: someone moved it first.")
    edge = find_edge(kind, source, to)
    if edge is None:
        allowed = ", ".join(_describe(e.target, kind) for e in edges_from(kind, source)) or "nothing (final)"
        raise TransitionNotAllowed(
            f"A {kind} cannot go from {_describe(source, kind)} to {_describe(to, kind)}.",
            [f"From {_describe(source, kind)} it can go to: {allowed}."],
        )
    denied = permission_reasons(edge, actor, asset, version, approval)
    if denied:
        raise NotPermitted(denied[0], denied)
    reason = reason.strip()
    unmet = unmet_reasons(
        GuardContext(edge=edge, actor=actor, asset=asset, version=version, approval=approval)
    )
    if unmet:
        if edge.reason_required and not reason:
            unmet.append("A reason is required for this change.")
        raise GuardFailed(f"“{edge.label}” is not possible yet.", unmet)
    if edge.reason_required and not reason:
        raise ReasonRequired(f"“{edge.label}” needs a reason.", ["A reason is required for this change."])

    now = timezone.now()
    current.stage = to
    current.stage_changed_at = now
    update_fields = ["stage", "stage_changed_at"]
    if version is not None:
        if to == VersionStage.IN_VALIDATION:
            version.validator = actor.user
            update_fields.append("validator")
        elif source == VersionStage.IN_VALIDATION and to == VersionStage.SUBMITTED:
            version.validator = None
            update_fields.append("validator")
    current.save(update_fields=update_fields)
    step = StageTransition.objects.create(
        kind=kind,
        asset=asset,
        version=version,
        source=source,
        target=to,
        actor_kind=actor.kind,
        actor_id=actor.id,
        actor_name=actor.name,
        actor_user=actor.user,
        reason=reason,
        at=now,
    )
    notify_listeners(
        TransitionEvent(
            kind=kind,
            asset=asset,
            version=version,
            source=source,
            target=to,
            actor=actor,
            reason=reason,
            step=step,
        )
    )
    record_event(
        AuditAction.STAGE_CHANGED,
        actor=actor,
        obj=current,
        payload={
            "kind": kind,
            "asset": asset.slug,
            "old": source,
            "new": to,
            "reason": reason,
            "transition": step.pk,
        },
    )
    # Keep the caller's instance truthful about what was committed.
    obj.stage, obj.stage_changed_at = to, now
    if isinstance(obj, AssetVersion) and version is not None:
        obj.validator_id = version.validator_id
    return step


def available_transitions(obj: Governed, actor: Actor) -> list[TransitionOption]:
    """Edges from the current stage that `actor` may take by role, each with its unmet gates.

    UI buttons and API hints come from here, so every door agrees with transition().
    """
    kind = kind_of(obj)
    if isinstance(obj, AssetVersion):
        asset, version = obj.asset, obj
    else:
        asset, version = obj, None
    options = []
    for edge in edges_from(kind, obj.stage):
        if permission_reasons(edge, actor, asset, version):
            continue
        options.append(TransitionOption(edge, unmet_reasons(GuardContext(edge, actor, asset, version))))
    return options
