"""Report services: request a report (row + event + task on commit) and record a download.

Anyone who may read a scope may request a report of it: a version or asset they may see (else
404, and nothing is written), the inventory or a date range of events as they may see them.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from governance.accounts.models import User
from governance.audit.actors import Actor
from governance.audit.event_types import AuditAction
from governance.audit.ledger import record_event
from governance.inventory.models import Asset, AssetVersion
from governance.reports.models import AuditReport, ReportScope, ReportStatus
from governance.reports.scopes import count_events_for_range
from lifecycle.queries import visible_assets, visible_versions


def visible_reports(user: User) -> QuerySet[AuditReport]:
    """Reports `user` may see: their own; compliance officers and administrators see all.

    A report holds what its requester could see, so it is not shown to others with less access.
    """
    if not user.is_authenticated or not user.is_active:
        return AuditReport.objects.none()
    qs = AuditReport.objects.select_related("asset", "version__asset")
    return qs if user.sees_everything else qs.filter(requested_by=user)


def _title(
    scope: str,
    asset: Asset | None,
    version: AssetVersion | None,
    start: dt.datetime | None,
    end: dt.datetime | None,
    viewer: User,
) -> str:
    if scope == ReportScope.VERSION and version is not None:
        return f"{version.asset.name} — version {version.label}"
    if scope == ReportScope.ASSET and asset is not None:
        return f"{asset.name} — asset and versions"
    if scope == ReportScope.EVENTS and start and end:
        return f"Audit events {start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC"
    return "Model inventory" if viewer.sees_everything else f"Model inventory visible to {viewer}"


@transaction.atomic
def request_report(
    *,
    actor: Actor,
    scope: str,
    version_id: int | None = None,
    asset_id: int | None = None,
    events_from: dt.datetime | None = None,
    events_until: dt.datetime | None = None,
    as_of: dt.datetime | None = None,
) -> AuditReport:
    """Queue a report of `scope` for `actor`'s user; the rendering task is enqueued on commit.

    Raises Http404 for a version/asset the user may not see (or that does not exist) and
    ValidationError for inconsistent input; in both cases nothing is written.
    """
    user = actor.user
    if user is None or not user.is_active:
        raise ValidationError("Reports are requested by a person or their API token.")
    now = timezone.now()
    errors: dict[str, str] = {}
    if scope not in ReportScope.values:
        raise ValidationError({"scope": f"Choose one of: {', '.join(ReportScope.values)}."})
    if as_of is not None and as_of > now:
        errors["as_of"] = "“As of” must be in the past."
    version = asset = None
    if scope == ReportScope.VERSION:
        if version_id is None:
            raise ValidationError({"version": "Choose the version to report on."})
        version = visible_versions(user).select_related("asset").filter(pk=version_id).first()
        if version is None:
            raise Http404("No such version.")
        asset = version.asset
    elif scope == ReportScope.ASSET:
        if asset_id is None:
            raise ValidationError({"asset": "Choose the asset to report on."})
        asset = visible_assets(user).filter(pk=asset_id).first()
        if asset is None:
            raise Http404("No such asset.")
    if scope == ReportScope.EVENTS:
        if events_from is None or events_until is None:
            errors["events_from"] = "A date range needs a start and an end."
        elif events_from >= events_until:
            errors["events_until"] = "The end must be after the start."
        else:
            count = count_events_for_range(user, events_from, min(events_until, as_of or events_until))
            if count > settings.STEWARD_REPORT_MAX_EVENTS:
                errors["events_from"] = (
                    f"This range holds {count:,} audit events you may see; one report carries at most "
                    f"{settings.STEWARD_REPORT_MAX_EVENTS:,}. Narrow the range."
                )
    else:
        events_from = events_until = None
    if errors:
        raise ValidationError(errors)

    report = AuditReport(
        scope=scope,
        asset=asset,
        version=version,
        events_from=events_from,
        events_until=events_until,
        as_of=as_of,
        title=_title(scope, asset, version, events_from, events_until, user),
        requested_by=user,
        requested_by_name=str(user)[:200],
        requested_via=actor.name[:200],
        requested_at=now,
        enqueued_at=now,
    )
    report.full_clean()
    report.save(force_insert=True)
    record_event(
        AuditAction.REPORT_REQUESTED,
        actor=actor,
        obj=report,
        payload={
            "scope": scope,
            "asset": asset.slug if asset else None,
            "version": version.label if version else None,
            "events_from": events_from,
            "events_until": events_until,
            "as_of": as_of,
        },
    )
    from governance.reports.tasks import render_report_task

    report_id = str(report.pk)
    transaction.on_commit(lambda: render_report_task.delay(report_id))
    return report


@transaction.atomic
def record_download(report: AuditReport, *, actor: Actor) -> None:
    """Each download of a finished report is an audit event (with the file's sha256)."""
    if report.status != ReportStatus.DONE:
        raise ValidationError("The report is not ready.")
    record_event(
        AuditAction.REPORT_DOWNLOADED,
        actor=actor,
        obj=report,
        payload={"sha256": report.sha256},
    )


def reports_about(obj: Asset | AssetVersion, user: User, limit: int = 5) -> QuerySet[AuditReport]:
    """The user's recent reports on an asset (or one of its versions) or a version, for page panels."""
    rule = Q(version=obj) if isinstance(obj, AssetVersion) else Q(asset=obj)
    return visible_reports(user).filter(rule).order_by("-requested_at")[:limit]
