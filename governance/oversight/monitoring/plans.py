"""Monitoring plan services: owners define which metrics a version is watched on, and where the lines are.

The plan is part of what reviewers approve (it is in the review digest), so it changes only while the
version's content may change: once a version is approved, a different plan needs a new version.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from governance.accounts.models import User
from governance.audit.actors import Actor
from governance.audit.event_types import AuditAction
from governance.audit.ledger import record_event
from governance.inventory.errors import FrozenError
from governance.inventory.models import AssetVersion
from governance.inventory.services import may_edit_asset
from governance.oversight.models.monitoring import Direction, MetricKind, MonitoringPlan, WatchedMetric
from governance.oversight.monitoring.evaluation import threshold_problems
from lifecycle.stages import FROZEN_VERSION_STAGES

MAX_METRICS = 50
METRIC_FIELDS = (
    "key",
    "name",
    "kind",
    "feature",
    "direction",
    "warning_threshold",
    "breach_threshold",
    "unit",
    "suspend_on_breach",
)


def plan_is_frozen(version: AssetVersion) -> bool:
    """True once the version's content is read-only (approved and after): the plan is frozen with it."""
    return version.stage in FROZEN_VERSION_STAGES


def may_edit_plan(user: User | None, version: AssetVersion) -> bool:
    """Owners of the asset (or its team) edit the plan while the version is not frozen."""
    return not plan_is_frozen(version) and may_edit_asset(user, version.asset)


def metric_snapshot(metric: WatchedMetric) -> dict[str, Any]:
    """A metric's definition as JSON values (what the audit trail and the review digest record)."""
    return {name: getattr(metric, name) for name in METRIC_FIELDS}


def plan_snapshot(plan: MonitoringPlan | None) -> dict[str, Any] | None:
    if plan is None:
        return None
    metrics = sorted((metric_snapshot(m) for m in plan.metrics.all()), key=lambda m: m["key"])
    return {"notes": plan.notes, "metrics": metrics}


def _clean_metric(index: int, raw: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Normalise one metric definition; returns it with the problems found (messages name the metric)."""
    unknown = sorted(set(raw) - set(METRIC_FIELDS))
    data: dict[str, Any] = {
        "key": str(raw.get("key") or "").strip(),
        "name": str(raw.get("name") or "").strip(),
        "kind": raw.get("kind") or "",
        "feature": str(raw.get("feature") or "").strip(),
        "direction": raw.get("direction") or "",
        "warning_threshold": raw.get("warning_threshold"),
        "breach_threshold": raw.get("breach_threshold"),
        "unit": str(raw.get("unit") or "").strip(),
        "suspend_on_breach": bool(raw.get("suspend_on_breach", False)),
    }
    data["name"] = data["name"] or data["key"]
    label = f"Metric {index + 1}" + (f" ({data['key']})" if data["key"] else "")
    problems = [f"unknown field “{name}”" for name in unknown]
    if data["kind"] not in MetricKind.values:
        problems.append(f"kind must be one of {', '.join(MetricKind.values)}")
    if data["direction"] not in Direction.values:
        problems.append(f"direction must be one of {', '.join(Direction.values)}")
    for name in ("warning_threshold", "breach_threshold"):
        value = data[name]
        if value is None:
            if name == "breach_threshold":
                problems.append("a breach threshold is required")
            continue
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            problems.append(f"{name.replace('_', ' ')} must be a finite number")
            data[name] = None
        else:
            data[name] = float(value)
    if (
        data["kind"] in {MetricKind.DRIFT, MetricKind.DATA_QUALITY, MetricKind.FAIRNESS}
        and not data["feature"]
    ):
        what = "protected attribute" if data["kind"] == MetricKind.FAIRNESS else "feature"
        problems.append(f"name the {what} this {MetricKind(data['kind']).label.lower()} metric watches")
    problems += [
        p[0].lower() + p[1:]
        for p in threshold_problems(data["direction"], data["warning_threshold"], data["breach_threshold"])
    ]
    if not problems:
        try:
            WatchedMetric(**data).full_clean(exclude=["plan"])
        except ValidationError as exc:
            problems += [f"{field}: {m}" for field, msgs in exc.message_dict.items() for m in msgs]
    return data, [f"{label}: {p}." if not p.endswith(".") else f"{label}: {p}" for p in problems]


def _require_editor(actor: Actor, version: AssetVersion) -> None:
    if actor.kind == "system" or actor.is_integration:
        return
    if not may_edit_asset(actor.user, version.asset):
        raise PermissionDenied(
            "Only the asset's owner or an owner in its team may change its monitoring plan."
        )


@transaction.atomic
def save_monitoring_plan(
    *, actor: Actor, version: AssetVersion, metrics: Sequence[Mapping[str, Any]], notes: str = ""
) -> MonitoringPlan:
    """Create or replace a version's monitoring plan, metrics matched by key; one audit event per change.

    Refused (FrozenError, 409) once the version is approved; refused (ValidationError, 400) for bad
    definitions, duplicate keys, or removing a metric that already has observations. Locks the
    version row, so approvals recomputing the review digest see the plan before or after, never half.
    """
    version = AssetVersion.objects.select_for_update().select_related("asset").get(pk=version.pk)
    _require_editor(actor, version)
    if plan_is_frozen(version):
        raise FrozenError(
            f"Version {version.label} is {version.get_stage_display().lower()}: its monitoring plan was "
            "approved with it and is read-only. Register a new version to change the plan."
        )
    if len(metrics) > MAX_METRICS:
        raise ValidationError({"metrics": f"A plan watches at most {MAX_METRICS} metrics."})
    cleaned: list[dict[str, Any]] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(metrics):
        if not isinstance(raw, Mapping):
            problems.append(f"Metric {index + 1}: must be an object.")
            continue
        data, metric_problems = _clean_metric(index, raw)
        problems += metric_problems
        if data["key"] in seen:
            problems.append(
                f"Metric {index + 1}: the key “{data['key']}” is already used by "
                f"metric {seen[data['key']] + 1}."
            )
        seen.setdefault(data["key"], index)
        cleaned.append(data | {"position": index})
    plan = MonitoringPlan.objects.filter(version=version).first()
    existing = {m.key: m for m in plan.metrics.all()} if plan else {}
    removed = set(existing) - {d["key"] for d in cleaned}
    with_data = sorted(k for k in removed if existing[k].observations.exists())
    problems += [
        f"“{key}” already has observations, so it cannot be removed from the plan." for key in with_data
    ]
    if problems:
        raise ValidationError({"metrics": problems})

    old = plan_snapshot(plan)
    notes = notes.strip()
    new = {
        "notes": notes,
        "metrics": sorted(({k: d[k] for k in METRIC_FIELDS} for d in cleaned), key=lambda m: m["key"]),
    }
    if old == new:
        return plan  # type: ignore[return-value]  # old == new implies a plan exists
    now = timezone.now()
    if plan is None:
        plan = MonitoringPlan.objects.create(version=version, notes=notes, updated_by_name=actor.name)
    else:
        plan.notes, plan.revision, plan.updated_at, plan.updated_by_name = (
            notes,
            plan.revision + 1,
            now,
            actor.name,
        )
        plan.save(update_fields=["notes", "revision", "updated_at", "updated_by_name"])
        WatchedMetric.objects.filter(plan=plan, key__in=removed).delete()
    for data in cleaned:
        metric = existing.get(data["key"]) or WatchedMetric(plan=plan)
        for name, value in data.items():
            setattr(metric, name, value)
        metric.save()
    record_event(
        AuditAction.MONITORING_PLAN_UPDATED,
        actor=actor,
        obj=plan,
        payload={
            "asset": version.asset.slug,
            "version": version.label,
            "version_id": version.pk,
            "revision": plan.revision,
            "old": old,
            "new": new,
        },
    )
    return plan
