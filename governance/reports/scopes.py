"""What a report covers: the objects and audit events of its scope, as its requester may see them.

Everything here is bounded by the checkpoint the report is built on (events with seq ≤ its size)
and, for "as of" reports, by that moment: state is reconstructed from transition rows and events.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet

from governance.accounts.models import User
from governance.audit.event_types import AuditAction
from governance.audit.models import AuditEvent
from governance.inventory.models import Asset, AssetVersion
from governance.reports.models import AuditReport, ReportScope
from lifecycle.queries import events_visible_to, visible_assets, visible_versions


class ScopeUnavailable(Exception):
    """The scope no longer exists for the requester (deleted or no longer visible)."""


@dataclass
class ReportContext:
    """Everything a section needs to gather its facts for one report."""

    report: AuditReport
    viewer: User
    generated_at: dt.datetime
    checkpoint_size: int
    row_cap: int
    asset: Asset | None = None
    version: AssetVersion | None = None
    # (object_type, object_id) pairs whose events belong to the scope, added by sections.
    related: set[tuple[str, str]] = field(default_factory=set)
    cache: dict[str, Any] = field(default_factory=dict)

    @property
    def as_of(self) -> dt.datetime | None:
        return self.report.as_of

    @property
    def moment(self) -> dt.datetime:
        """The instant the report describes: its "as of", or when it was generated."""
        return self.report.as_of or self.generated_at

    @property
    def kind(self) -> str:
        return self.report.scope

    def assets(self) -> QuerySet[Asset]:
        """Assets in scope that existed at the report's moment, as the requester may see them."""
        qs = visible_assets(self.viewer).filter(created_at__lte=self.moment)
        if self.kind in (ReportScope.VERSION, ReportScope.ASSET):
            return qs.filter(pk=self.report.asset_id or 0)
        if self.kind == ReportScope.INVENTORY:
            return qs
        return qs.none()

    def versions(self) -> QuerySet[AssetVersion]:
        qs = visible_versions(self.viewer).filter(created_at__lte=self.moment)
        if self.kind == ReportScope.VERSION:
            return qs.filter(pk=self.report.version_id or 0)
        if self.kind == ReportScope.ASSET:
            return qs.filter(asset_id=self.report.asset_id or 0)
        if self.kind == ReportScope.INVENTORY:
            return qs
        return qs.none()

    def relate(self, object_type: str, ids: Any) -> None:
        self.related.update((object_type, str(i)) for i in ids)


def resolve(
    report: AuditReport, *, generated_at: dt.datetime, checkpoint_size: int, row_cap: int
) -> ReportContext:
    """Load the scope's objects for the requester; raises ScopeUnavailable if they may no longer see them."""
    ctx = ReportContext(
        report=report,
        viewer=report.requested_by,
        generated_at=generated_at,
        checkpoint_size=checkpoint_size,
        row_cap=row_cap,
    )
    if report.scope == ReportScope.VERSION:
        ctx.version = (
            visible_versions(ctx.viewer)
            .select_related("asset__team", "asset__owner")
            .filter(pk=report.version_id or 0)
            .first()
        )
        if ctx.version is None:
            raise ScopeUnavailable("The requester may no longer see this version.")
        ctx.asset = ctx.version.asset
    elif report.scope == ReportScope.ASSET:
        ctx.asset = (
            visible_assets(ctx.viewer).select_related("team", "owner").filter(pk=report.asset_id or 0).first()
        )
        if ctx.asset is None:
            raise ScopeUnavailable("The requester may no longer see this asset.")
    return ctx


# Events that establish an inventory row: how the asset came to be and each stage it took.
INVENTORY_ACTIONS = (AuditAction.ASSET_CREATED, AuditAction.STAGE_CHANGED)


def events_in_scope(ctx: ReportContext) -> QuerySet[AuditEvent]:
    """The scope's audit events the requester may see, up to the checkpoint (and the "as of" moment).

    Object scopes name only objects the requester may see (the version or asset, checked on request
    and again here, and records of it), so only date ranges need the general visibility filter.
    """
    base = (
        events_visible_to(ctx.viewer) if ctx.report.scope == ReportScope.EVENTS else AuditEvent.objects.all()
    )
    qs = base.filter(seq__lte=ctx.checkpoint_size)
    if ctx.as_of is not None:
        qs = qs.filter(time__lte=ctx.as_of)
    report = ctx.report
    if report.scope == ReportScope.EVENTS:
        return qs.filter(time__gte=report.events_from, time__lt=report.events_until).order_by("seq")
    if report.scope == ReportScope.INVENTORY:
        asset_ids = [str(pk) for pk in ctx.assets().values_list("pk", flat=True)]
        return qs.filter(
            object_type="inventory.asset", object_id__in=asset_ids, action__in=INVENTORY_ACTIONS
        ).order_by("seq")
    objects: set[tuple[str, str]] = set(ctx.related)
    if ctx.asset is not None:  # a version report includes its asset's history (proposal, approval…)
        objects.add(("inventory.asset", str(ctx.asset.pk)))
    for version_id in ctx.versions().values_list("pk", flat=True):
        objects.add(("inventory.assetversion", str(version_id)))
    by_type: dict[str, list[str]] = {}
    for object_type, object_id in objects:
        by_type.setdefault(object_type, []).append(object_id)
    rule = Q(pk__in=[])
    for object_type, ids in by_type.items():
        rule |= Q(object_type=object_type, object_id__in=ids)
    return qs.filter(rule).order_by("seq")


def count_events_for_range(user: User, start: dt.datetime, end: dt.datetime) -> int:
    """How many events a date-range report would hold (checked when it is requested)."""
    return events_visible_to(user).filter(time__gte=start, time__lt=end).count()


UPDATE_ACTIONS = {
    "inventory.asset": AuditAction.ASSET_UPDATED,
    "inventory.assetversion": AuditAction.VERSION_UPDATED,
}


def fields_as_of(
    obj: Asset | AssetVersion, names: tuple[str, ...], moment: dt.datetime | None
) -> dict[str, Any]:
    """The object's field values at `moment`: today's values with later updates undone from their
    audit events' "old" values (newest first), so an "as of" report shows what was recorded then."""
    values = {name: getattr(obj, name) for name in names}
    if moment is None:
        return values
    label = obj._meta.label_lower
    later = AuditEvent.objects.filter(
        object_type=label, object_id=str(obj.pk), action=UPDATE_ACTIONS[label], time__gt=moment
    ).order_by("-seq")
    for event in later:
        old = (event.payload or {}).get("old") or {}
        values.update({k: v for k, v in old.items() if k in values})
    return values
