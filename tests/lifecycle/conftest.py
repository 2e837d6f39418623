"""Lifecycle test cast: the ten personas of the transition matrix and builders for every starting stage."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from governance.accounts import services as accounts
from governance.audit.actors import Actor
from governance.audit.models import AuditEvent
from governance.inventory.models import Asset, AssetVersion
from lifecycle.models import StageTransition
from lifecycle.stages import ASSET, AssetStage, VersionStage
from lifecycle.transitions import transition
from tests.factories import (
    approve_request,
    make_asset,
    make_bias_review,
    make_final_card,
    make_final_validation_report,
    make_version,
)

V, A = VersionStage, AssetStage
PERSONAS = (
    "owner",  # the asset's owner (retail team)
    "other_team_owner",  # an owner in marketing
    "validator",  # a validator who has not claimed the version
    "claiming_validator",  # the validator who claims it on the way (victor)
    "approver",  # an approver in the risk committee, outside the owning team
    "team_approver",  # an approver inside the owning team
    "compliance",
    "admin",
    "integration_token",  # the owner's integration-scoped API token (a CI pipeline)
    "read_token",  # the admin's read-only API token
)


@dataclass
class Cast:
    """The people fixture seen as actors, by persona name."""

    people: object
    actors: dict[str, Actor]

    def __getitem__(self, persona: str) -> Actor:
        return self.actors[persona]


@pytest.fixture
def cast(people) -> Cast:
    def token(user, scope):
        issued = accounts.create_token(
            actor=Actor.for_user(user), user=user, name=f"{scope} token", scope=scope
        )
        return Actor.for_token(issued.token)

    actors = {
        "owner": Actor.for_user(people.owner),
        "other_team_owner": Actor.for_user(people.outsider),
        "validator": Actor.for_user(people.validator2),
        "claiming_validator": Actor.for_user(people.validator),
        "approver": Actor.for_user(people.approver),
        "team_approver": Actor.for_user(people.team_approver),
        "compliance": Actor.for_user(people.compliance),
        "admin": Actor.for_user(people.admin),
        "integration_token": token(people.owner, "integration"),
        "read_token": token(people.admin, "read"),
    }
    return Cast(people, actors)


# How each starting stage is reached on the happy path and its side roads: (target, persona, reason).
VERSION_PATHS: dict[str, list[tuple[str, str, str]]] = {
    V.REGISTERED: [],
    V.SUBMITTED: [(V.SUBMITTED, "owner", "")],
    V.IN_VALIDATION: [(V.SUBMITTED, "owner", ""), (V.IN_VALIDATION, "claiming_validator", "")],
    V.CHANGES_REQUESTED: [
        (V.SUBMITTED, "owner", ""),
        (V.IN_VALIDATION, "claiming_validator", ""),
        (V.CHANGES_REQUESTED, "claiming_validator", "Add the stress tests."),
    ],
    V.VALIDATED: [
        (V.SUBMITTED, "owner", ""),
        (V.IN_VALIDATION, "claiming_validator", ""),
        (V.VALIDATED, "claiming_validator", ""),
    ],
    V.REJECTED: [
        (V.SUBMITTED, "owner", ""),
        (V.IN_VALIDATION, "claiming_validator", ""),
        (V.VALIDATED, "claiming_validator", ""),
        (V.REJECTED, "approver", "Unfit for purpose."),
    ],
    V.APPROVED: [
        (V.SUBMITTED, "owner", ""),
        (V.IN_VALIDATION, "claiming_validator", ""),
        (V.VALIDATED, "claiming_validator", ""),
        (V.APPROVED, "approver", ""),
    ],
}
VERSION_PATHS[V.DEPLOYED] = [*VERSION_PATHS[V.APPROVED], (V.DEPLOYED, "owner", "")]
VERSION_PATHS[V.SUSPENDED] = [*VERSION_PATHS[V.DEPLOYED], (V.SUSPENDED, "approver", "Drift alarm.")]
VERSION_PATHS[V.DEPRECATED] = [*VERSION_PATHS[V.DEPLOYED], (V.DEPRECATED, "owner", "")]
VERSION_PATHS[V.RETIRED] = [(V.RETIRED, "owner", "Never used.")]
# Versions from `approved` on belong to an approved (active) asset; earlier ones to a proposed one.
ACTIVE_ASSET_FROM = {V.APPROVED, V.DEPLOYED, V.SUSPENDED, V.DEPRECATED}

ASSET_PATHS: dict[str, list[tuple[str, str, str]]] = {
    A.PROPOSED: [],
    A.ACTIVE: [(A.ACTIVE, "approver", "")],
    A.REJECTED: [(A.REJECTED, "approver", "Out of appetite.")],
    A.RETIRED: [(A.ACTIVE, "approver", ""), (A.RETIRED, "owner", "Replaced.")],
}


def _step(obj: Asset | AssetVersion, target: str, persona: str, reason: str, cast: Cast) -> None:
    """One step of a path. Approval decisions go through the approval request (signed, to quorum);
    documentation gates are satisfied first, as a real owner and validator would."""
    decided_by_request = {
        (ASSET, A.ACTIVE),
        (ASSET, A.REJECTED),
        (V.VALIDATED, V.APPROVED),
        (V.VALIDATED, V.REJECTED),
    }
    source = ASSET if isinstance(obj, Asset) else obj.stage
    if (source, target) in decided_by_request:
        meaning = "reject" if target == "rejected" else "approve"
        approve_request(obj, cast[persona].user, meaning=meaning, comment=reason)
        return
    if isinstance(obj, AssetVersion) and target == V.SUBMITTED:
        make_final_card(obj)
    if isinstance(obj, AssetVersion) and target == V.VALIDATED:
        make_final_validation_report(obj, cast[persona].user)
        make_bias_review(obj, cast[persona].user)
    transition(obj, target, actor=cast[persona], reason=reason)


def build(kind: str, stage: str, cast: Cast) -> Asset | AssetVersion:
    """An asset or version in `stage`, reached through transition() so its history is real."""
    people = cast.people
    asset = make_asset(people.owner, people.retail)
    if kind == ASSET:
        for target, persona, reason in ASSET_PATHS[stage]:
            _step(asset, target, persona, reason, cast)
        asset.refresh_from_db()
        assert asset.stage == stage
        return asset
    if stage in ACTIVE_ASSET_FROM:
        _step(asset, A.ACTIVE, "approver", "", cast)
    version = make_version(asset)
    make_final_card(version)  # the owner's card is ready, so submitting is possible from `registered`
    for target, persona, reason in VERSION_PATHS[stage]:
        _step(version, target, persona, reason, cast)
    version.refresh_from_db()
    if stage == V.IN_VALIDATION:  # the claiming validator's report and bias review are done
        make_final_validation_report(version, cast["claiming_validator"].user)
        make_bias_review(version, cast["claiming_validator"].user)
    assert version.stage == stage
    return version


def fresh(obj: Asset | AssetVersion) -> Asset | AssetVersion:
    return (
        type(obj).objects.select_related("asset").get(pk=obj.pk)
        if isinstance(obj, AssetVersion)
        else Asset.objects.get(pk=obj.pk)
    )


def snapshot(obj: Asset | AssetVersion) -> tuple:
    """Everything a transition could write: the object's stage columns, transition rows, the ledger head."""
    row = (
        type(obj)
        .objects.filter(pk=obj.pk)
        .values("stage", "stage_changed_at", *(["validator_id"] if isinstance(obj, AssetVersion) else []))[0]
    )
    head = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first()
    return row, StageTransition.objects.count(), AuditEvent.objects.count(), head
