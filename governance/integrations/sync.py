"""Applying registry state to Steward, idempotently: shared by webhooks, reconciliation and other registries.

Callers read the registry first (outside any transaction) and pass plain state in; these functions
run inside the caller's transaction, lock the registered model's link row (so two deliveries about
one model apply one after the other), and return a list of effects, empty when nothing changed.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from urllib.parse import quote

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from governance.audit.actors import Actor
from governance.integrations.models import (
    MappingMode,
    RegistryConnection,
    RegistryKind,
    RegistryModelLink,
    RegistryVersionLink,
)
from governance.inventory import services as inventory
from governance.inventory.models import Asset, AssetVersion
from governance.oversight.findings import raise_finding
from governance.oversight.models import UNRESOLVED_STATUSES, Finding, FindingSource, Severity
from lifecycle.approvals.proposals import propose_asset
from lifecycle.exceptions import LifecycleError
from lifecycle.stages import AssetStage, VersionStage
from lifecycle.transitions import transition

_SHA256 = re.compile(r"^(?:sha256:)?([0-9a-fA-F]{64})$")
DIGEST_TAG_KEYS = ("artifact_digest", "sha256", "digest", "model_digest")


def registry_actor(connection: RegistryConnection) -> Actor:
    return Actor.registry(connection.pk, f"{connection.name} ({connection.get_kind_display()})")


@dataclass(frozen=True)
class VersionState:
    """What the registry says about one version (read back from it, not taken from the hint)."""

    model: str
    version: str
    source: str = ""
    run_id: str = ""
    digest: str = ""
    description: str = ""
    ref: str = ""


def digest_from(value: str) -> str:
    match = _SHA256.match(value.strip())
    return match.group(1).lower() if match else ""


def registry_ref_for(connection: RegistryConnection, state: VersionState) -> str:
    """A globally unique reference: the registry's own id, or the version's page in the registry UI."""
    if state.ref:
        ref = state.ref
    elif connection.kind == RegistryKind.MLFLOW:
        base = connection.registry_url.rstrip("/")
        ref = f"{base}/#/models/{quote(state.model, safe='')}/versions/{quote(state.version, safe='')}"
    else:
        ref = f"{connection.kind}:{connection.name}:models/{state.model}/{state.version}"
    if len(ref) > 500:
        ref = f"{connection.kind}:{connection.pk}:sha256:{hashlib.sha256(ref.encode()).hexdigest()}"
    return ref


def finding_ref(connection: RegistryConnection, *parts: str) -> str:
    ref = ":".join(["registry", str(connection.pk), *parts])
    return ref if len(ref) <= 200 else "registry:" + hashlib.sha256(ref.encode()).hexdigest()


# --- models and assets ------------------------------------------------------------------------------
def _find_asset(connection: RegistryConnection, name: str) -> Asset | None:
    team_assets = Asset.objects.filter(team_id=connection.team_id)
    return (
        team_assets.filter(slug=slugify(name)[:80]).first() or team_assets.filter(name__iexact=name).first()
    )


def _free_slug(name: str) -> str:
    base = (slugify(name) or "registered-model")[:70]
    slug, n = base, 1
    while Asset.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def _propose_asset(connection: RegistryConnection, name: str) -> Asset:
    """Propose an asset for a new registered model; its proposal request opens like any other."""
    return propose_asset(
        actor=registry_actor(connection),
        team=connection.team,
        owner=connection.default_owner,
        slug=_free_slug(name),
        name=name[:200],
        kind="model",
        purpose=(
            f"Registered in {connection.get_kind_display()} ({connection.name}) as “{name}”. "
            "Proposed automatically by Steward: the owner completes the proposal."
        ),
        ai_act_category=connection.default_ai_act_category,
        materiality_tier=connection.default_materiality_tier,
    )


def lock_model(connection: RegistryConnection, name: str, effects: list[str]) -> RegistryModelLink:
    """The model's link row, created and mapped if new, locked for the rest of the transaction."""
    link = RegistryModelLink.objects.filter(connection=connection, name=name).first()
    if link is None:
        try:
            with transaction.atomic():
                link = RegistryModelLink.objects.create(connection=connection, name=name)
        except IntegrityError:  # created concurrently by another delivery
            pass
    link = (
        RegistryModelLink.objects.select_for_update(of=("self",))
        .select_related("asset")
        .get(connection=connection, name=name)
    )
    if link.asset_id is None:
        asset = _find_asset(connection, name)
        if asset is None and connection.mapping == MappingMode.AUTO_CREATE:
            asset = _propose_asset(connection, name)
            effects.append(f"proposed asset {asset.slug} for registered model {name}")
        if asset is not None:
            link.asset = asset
            link.save(update_fields=["asset"])
            effects.append(f"mapped registered model {name} to asset {asset.slug}")
    return link


# --- versions -----------------------------------------------------------------------------------------
def _free_label(asset: Asset, version: str) -> str:
    label, n = version[:60], 1
    while AssetVersion.objects.filter(asset=asset, label=label).exists():
        n += 1
        label = f"{version[:50]}-r{n}"
    return label


def ensure_version(
    connection: RegistryConnection, model: RegistryModelLink, state: VersionState, effects: list[str]
) -> RegistryVersionLink | None:
    """The version's link, registering the Steward version if new; None while the model is unmapped."""
    existing = (
        RegistryVersionLink.objects.select_related("asset_version__asset")
        .filter(connection=connection, model_name=model.name, version=state.version)
        .first()
    )
    if existing is not None or model.asset is None:
        return existing
    if model.asset.stage in {AssetStage.RETIRED, AssetStage.REJECTED}:
        effects.append(f"not registered: asset {model.asset.slug} is {model.asset.stage}")
        return None
    ref = registry_ref_for(connection, state)
    # A version registered by hand before the registry reported it is adopted, not duplicated.
    unlinked = AssetVersion.objects.filter(registry_link__isnull=True)
    adopted = (
        unlinked.filter(registry_ref=ref).first()
        or unlinked.filter(asset=model.asset, label=state.version, registry_ref="").first()
    )
    if adopted is not None:
        version = adopted
        effects.append(f"linked existing version {adopted.asset.slug} {version.label}")
    else:
        fields = {
            "description": state.description[:5000],
            "source_registry": f"{connection.kind}:{connection.name}"[:100],
            "registry_ref": ref,
            "run_id": state.run_id[:100],
            "artifact_uri": state.source[:1000],
            "artifact_digest": state.digest,
        }
        version = inventory.register_version(
            actor=registry_actor(connection),
            asset=model.asset,
            label=_free_label(model.asset, state.version),
            **{k: v for k, v in fields.items() if v},
        )
        effects.append(f"registered version {model.asset.slug} {version.label}")
    return RegistryVersionLink.objects.create(
        connection=connection,
        model=model,
        model_name=model.name,
        version=state.version,
        asset_version=version,
    )


# --- findings and deployments ------------------------------------------------------------------------
def raise_registry_finding(
    connection: RegistryConnection,
    link: RegistryVersionLink,
    *,
    ref: str,
    title: str,
    description: str,
    severity: str = Severity.HIGH,
    effects: list[str],
) -> Finding | None:
    """One unresolved finding per `ref`: a repeated event or a reconcile pass raises nothing new."""
    version = link.asset_version
    if Finding.objects.filter(
        asset_id=version.asset_id,
        source=FindingSource.REGISTRY,
        source_ref=ref,
        status__in=UNRESOLVED_STATUSES,
    ).exists():
        return None
    finding = raise_finding(
        actor=registry_actor(connection),
        asset=version.asset,
        version=version,
        title=title[:200],
        description=description,
        severity=severity,
        source=FindingSource.REGISTRY,
        source_ref=ref,
    )
    effects.append(f"raised finding #{finding.pk}: {finding.title}")
    return finding


def deploy_from_registry(
    connection: RegistryConnection, link: RegistryVersionLink, why: str, *, ref: str, effects: list[str]
) -> bool:
    """Record a deployment the registry reports: `deployed` for an approved version, else a finding.

    Returns True when the version is (now) deployed; False when it was flagged instead.
    """
    from governance.integrations.outbox import write_block

    version = AssetVersion.objects.select_related("asset").get(pk=link.asset_version_id)
    link.asset_version = version
    if version.stage == VersionStage.DEPLOYED:
        return True
    if version.stage == VersionStage.APPROVED:
        try:
            transition(version, VersionStage.DEPLOYED, actor=registry_actor(connection), reason=why)
        except LifecycleError as exc:
            raise_registry_finding(
                connection,
                link,
                ref=ref,
                title=f"Deployment of {version} reported by the registry could not be recorded",
                description=f"{why}. Steward refused the deployment: {'; '.join(exc.reasons)}",
                effects=effects,
            )
            return False
        effects.append(f"deployed {version.asset.slug} {version.label}")
        return True
    raise_registry_finding(
        connection,
        link,
        ref=ref,
        title=f"{version} is in production in the registry but not approved in Steward",
        description=f"{why}, but Steward has it {version.get_stage_display().lower()}.",
        effects=effects,
    )
    if connection.kind == RegistryKind.MLFLOW and link.blocked_at is None:
        write_block(connection, link)
        effects.append(f"tagged {link} steward.status=blocked")
    return False


def undeploy_from_registry(
    connection: RegistryConnection, link: RegistryVersionLink, why: str, effects: list[str]
) -> None:
    """The registry took a deployed version out of production: `deprecated` (an integration edge)."""
    version = AssetVersion.objects.select_related("asset").get(pk=link.asset_version_id)
    if version.stage != VersionStage.DEPLOYED:
        return
    transition(version, VersionStage.DEPRECATED, actor=registry_actor(connection), reason=why)
    effects.append(f"deprecated {version.asset.slug} {version.label}")


def apply_aliases(
    connection: RegistryConnection,
    model: RegistryModelLink,
    aliases: dict[str, str],
    states: dict[str, VersionState],
    effects: list[str],
) -> None:
    """Make Steward agree with the registry's current alias map of one (locked) model.

    Versions under a production alias are deployed (or flagged); deployed versions that held a
    production alias last time and hold none now are deprecated; Steward's approval alias on a
    version it has not approved is flagged. `states` holds the registry state of aliased versions.
    """
    production = [a for a in connection.production_aliases if a in aliases]
    live = {aliases[a] for a in production}
    for alias in production:
        number = aliases[alias]
        link = ensure_version(
            connection, model, states.get(number) or VersionState(model.name, number), effects
        )
        if link is not None:
            why = f"Registry alias “{alias}” points at version {number} of {model.name}"
            deploy_from_registry(
                connection,
                link,
                why,
                ref=finding_ref(connection, model.name, number, "alias", alias),
                effects=effects,
            )
    approved_alias = connection.approved_alias
    if approved_alias and approved_alias in aliases:
        link = ensure_version(
            connection,
            model,
            states.get(aliases[approved_alias]) or VersionState(model.name, aliases[approved_alias]),
            effects,
        )
        if link is not None and link.asset_version.stage not in {
            VersionStage.APPROVED,
            VersionStage.DEPLOYED,
        }:
            raise_registry_finding(
                connection,
                link,
                ref=finding_ref(connection, model.name, link.version, "alias", approved_alias),
                title=f"Steward's approval alias “{approved_alias}” set on {link.asset_version} elsewhere",
                description=f"The version is {link.asset_version.get_stage_display().lower()} in Steward.",
                effects=effects,
            )
    previously_live = {v for a, v in (model.aliases or {}).items() if a in connection.production_aliases}
    for number in sorted(previously_live - live):
        link = RegistryVersionLink.objects.filter(connection=connection, model=model, version=number).first()
        if link is not None:
            undeploy_from_registry(
                connection,
                link,
                f"No production alias of {model.name} points at version {number} any more",
                effects,
            )
    if model.aliases != aliases:
        model.aliases = aliases
        model.synced_at = timezone.now()
        model.save(update_fields=["aliases", "synced_at"])
