"""Inventory services: propose assets, register versions, edit their descriptive content.

Stages are not touched here (lifecycle owns them). Every write records its audit event last.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from governance.accounts.models import Team, User
from governance.accounts.roles import Role
from governance.audit.actors import Actor
from governance.audit.event_types import AuditAction
from governance.audit.ledger import record_event
from governance.inventory.errors import FrozenError
from governance.inventory.models import PROHIBITED_MESSAGE, Asset, AssetVersion
from lifecycle.stages import ASSET, FINAL_STAGES, FROZEN_VERSION_STAGES

ASSET_FIELDS = (
    "name",
    "kind",
    "purpose",
    "intended_use",
    "intended_users",
    "out_of_scope_uses",
    "ai_act_category",
    "materiality_tier",
    "vendor",
    "tags",
)
VERSION_FIELDS = (
    "description",
    "source_registry",
    "registry_ref",
    "run_id",
    "artifact_uri",
    "artifact_digest",
    "code_commit",
    "training_data_refs",
    "hyperparameters",
    "metrics",
)


def _check_category(category: str) -> None:
    if category == "prohibited":
        raise ValidationError({"ai_act_category": PROHIBITED_MESSAGE})


def may_edit_asset(user: User | None, asset: Asset) -> bool:
    """Owners edit the assets they own or their team owns; the integration user edits through registries."""
    if user is None or not user.has_role(Role.OWNER):
        return False
    return asset.owner_id == user.pk or asset.team_id in user.team_ids


def _require_owner_of(actor: Actor, asset: Asset) -> None:
    if actor.kind == "system" or actor.is_integration:
        return
    if not may_edit_asset(actor.user, asset):
        raise PermissionDenied("Only the asset's owner or an owner in its team may change it.")


def _snapshot(obj: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    return {f: getattr(obj, f) for f in fields}


@transaction.atomic
def create_asset(
    *,
    actor: Actor,
    team: Team,
    owner: User | None = None,
    slug: str,
    dependencies: list[Asset] | None = None,
    **fields: Any,
) -> Asset:
    """Propose a new asset (stage `proposed`); the proposer must be an owner in `team`."""
    user = actor.user
    trusted = actor.kind == "system" or actor.is_integration
    if not trusted and (user is None or not user.has_role(Role.OWNER) or team.pk not in user.team_ids):
        raise PermissionDenied("Only owners may propose assets, and only for their own team.")
    owner = owner or user
    if owner is None:
        raise ValidationError({"owner": "An asset needs an owner."})
    _check_category(str(fields.get("ai_act_category", "")))
    unknown = set(fields) - set(ASSET_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, "Unknown field."))
    asset = Asset(slug=slug, team=team, owner=owner, created_by=owner if user is None else user, **fields)
    asset.full_clean()
    try:
        with transaction.atomic():
            asset.save()
    except IntegrityError as exc:
        raise ValidationError({"slug": "An asset with this slug already exists."}) from exc
    if dependencies:
        asset.dependencies.set(dependencies)
    record_event(
        AuditAction.ASSET_CREATED,
        actor=actor,
        obj=asset,
        payload={
            "new": _snapshot(asset, ASSET_FIELDS)
            | {
                "slug": slug,
                "team": team.slug,
                "owner": owner.username,
                "dependencies": sorted(d.slug for d in dependencies or []),
            }
        },
    )
    return asset


@transaction.atomic
def update_asset(
    *, actor: Actor, asset: Asset, dependencies: list[Asset] | None = None, **changes: Any
) -> Asset:
    """Change an asset's descriptive fields; records old and new values of what changed."""
    asset = Asset.objects.select_for_update().get(pk=asset.pk)
    _require_owner_of(actor, asset)
    if asset.stage in FINAL_STAGES[ASSET]:
        raise FrozenError(f"The asset is {asset.get_stage_display().lower()}; it can no longer be changed.")
    unknown = set(changes) - set(ASSET_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, "This field cannot be changed here."))
    if "ai_act_category" in changes:
        _check_category(str(changes["ai_act_category"]))
    old = _snapshot(asset, tuple(changes))
    for name, value in changes.items():
        setattr(asset, name, value)
    asset.full_clean()
    new = _snapshot(asset, tuple(changes))
    old_deps = sorted(asset.dependencies.values_list("slug", flat=True))
    new_deps = sorted(d.slug for d in dependencies) if dependencies is not None else old_deps
    if any(d.pk == asset.pk for d in dependencies or []):
        raise ValidationError({"dependencies": "An asset cannot depend on itself."})
    changed = {k for k in changes if old[k] != new[k]}
    if not changed and old_deps == new_deps:
        return asset
    asset.updated_at = timezone.now()
    asset.save()
    if dependencies is not None:
        asset.dependencies.set(dependencies)
    payload_old = {k: old[k] for k in changed}
    payload_new = {k: new[k] for k in changed}
    if old_deps != new_deps:
        payload_old["dependencies"], payload_new["dependencies"] = old_deps, new_deps
    record_event(
        AuditAction.ASSET_UPDATED, actor=actor, obj=asset, payload={"old": payload_old, "new": payload_new}
    )
    return asset


@transaction.atomic
def register_version(*, actor: Actor, asset: Asset, label: str, **fields: Any) -> AssetVersion:
    """Register a new version of `asset` (stage `registered`)."""
    asset = Asset.objects.select_for_update().get(pk=asset.pk)
    _require_owner_of(actor, asset)
    if asset.stage in FINAL_STAGES[ASSET]:
        raise FrozenError(f"The asset is {asset.get_stage_display().lower()}; it takes no new versions.")
    unknown = set(fields) - set(VERSION_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, "Unknown field."))
    registered_by = actor.user or asset.owner
    version = AssetVersion(asset=asset, label=label, registered_by=registered_by, **fields)
    # Uniqueness is left to the database (its error is mapped to the field it concerns below).
    version.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            version.save()
    except IntegrityError as exc:
        raise ValidationError(_version_conflict(asset, label, fields.get("registry_ref", ""))) from exc
    record_event(
        AuditAction.VERSION_REGISTERED,
        actor=actor,
        obj=version,
        payload={"asset": asset.slug, "new": {"label": label} | _snapshot(version, VERSION_FIELDS)},
    )
    return version


def _version_conflict(asset: Asset, label: str, registry_ref: str) -> dict[str, str]:
    if AssetVersion.objects.filter(asset=asset, label=label).exists():
        return {"label": f"{asset.name} already has a version {label}."}
    if registry_ref:
        return {"registry_ref": "Another version already has this registry reference."}
    return {"label": "This version conflicts with an existing one."}


@transaction.atomic
def update_version(*, actor: Actor, version: AssetVersion, **changes: Any) -> AssetVersion:
    """Change a version's technical identity; refused once it is approved (a change needs a new version)."""
    version = AssetVersion.objects.select_for_update().select_related("asset").get(pk=version.pk)
    _require_owner_of(actor, version.asset)
    if version.stage in FROZEN_VERSION_STAGES:
        raise FrozenError(
            f"Version {version.label} is {version.get_stage_display().lower()}: its content is read-only. "
            "Register a new version to change it."
        )
    unknown = set(changes) - set(VERSION_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, "This field cannot be changed here."))
    old = _snapshot(version, tuple(changes))
    for name, value in changes.items():
        setattr(version, name, value)
    version.full_clean(validate_constraints=False)
    new = _snapshot(version, tuple(changes))
    changed = {k for k in changes if old[k] != new[k]}
    if not changed:
        return version
    version.updated_at = timezone.now()
    try:
        with transaction.atomic():
            version.save()
    except IntegrityError as exc:
        raise ValidationError(
            {"registry_ref": "Another version already has this registry reference."}
        ) from exc
    record_event(
        AuditAction.VERSION_UPDATED,
        actor=actor,
        obj=version,
        payload={
            "old": {k: old[k] for k in changed},
            "new": {k: new[k] for k in changed},
            "stage": version.stage,
        },
    )
    return version
