"""The visibility rule (DESIGN §1), checked against the rule written out in Python on random worlds.

lifecycle.queries holds the rule once, in SQL. Here hypothesis draws small inventories (assets of
three teams in every stage, versions with and without a validator, transitions, open and closed
requests, decisions) and, for users holding every combination of roles, the assets the SQL lets
them see must be exactly those the Python reading of the rule picks: own team's and own assets;
for validators, assets with a submitted version or a version they claimed; for approvers, proposed
assets, assets with a validated version or an open request; for anyone, assets they have moved
through the lifecycle or signed a decision on; everything for compliance and admin; nothing for
inactive users.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from governance.accounts import services as accounts
from governance.accounts.models import User
from governance.inventory.models import Asset, AssetVersion
from lifecycle.models import ApprovalRequest, Decision, RequestStatus, StageTransition
from lifecycle.queries import visible_assets, visible_versions
from lifecycle.stages import ASSET, AssetStage, VersionStage
from tests.conftest import SYSTEM, make_user
from tests.factories import make_asset

ROLE_SETS = [
    [],
    ["owner"],
    ["validator"],
    ["approver"],
    ["validator", "approver"],
    ["owner", "validator", "approver"],
    ["compliance"],
    ["admin"],
]


class Rollback(Exception):
    """Undoes one drawn world."""


@dataclass
class World:
    """What was drawn, as plain rows the Python rule reads."""

    assets: dict[int, tuple[int, int, str]] = field(default_factory=dict)  # id → team, owner, stage
    versions: list[tuple[int, str, int | None]] = field(default_factory=list)  # asset, stage, validator
    acted: list[tuple[int, int]] = field(default_factory=list)  # asset, user
    requests: list[tuple[int, str]] = field(default_factory=list)  # asset, status
    signed: list[tuple[int, int]] = field(default_factory=list)  # asset, user


def expected(world: World, user: User, teams: set[int]) -> set[int]:
    if not user.is_active:
        return set()
    if user.has_role("compliance", "admin"):
        return set(world.assets)
    seen = {a for a, (team, owner, _) in world.assets.items() if team in teams or owner == user.pk}
    if user.has_role("validator"):
        seen |= {a for a, stage, by in world.versions if stage == VersionStage.SUBMITTED or by == user.pk}
    if user.has_role("approver"):
        seen |= {a for a, (_, _, stage) in world.assets.items() if stage == AssetStage.PROPOSED}
        seen |= {a for a, stage, _ in world.versions if stage == VersionStage.VALIDATED}
        seen |= {a for a, status in world.requests if status == RequestStatus.OPEN}
    seen |= {a for a, by in world.acted if by == user.pk} | {a for a, by in world.signed if by == user.pk}
    return seen


@pytest.fixture
def cast(db):
    teams = [accounts.create_team(actor=SYSTEM, slug=f"team-{n}", name=f"Team {n}") for n in range(3)]
    users = []
    for n, roles in enumerate(ROLE_SETS):
        # Users 0-7 in team 0 or no team, 8-15 the same roles in team 1 (and team 2 for some).
        users.append(make_user(f"u{n}", roles, [teams[0]] if n % 2 else []))
        users.append(make_user(f"w{n}", roles, [teams[1], teams[2]] if n % 2 else [teams[1]]))
    inactive = make_user("gone", ["approver", "validator"], [teams[0]])
    User.objects.filter(pk=inactive.pk).update(is_active=False)
    users.append(inactive)
    # Any policy will do for drawn requests: take the one a real proposal opened with.
    policy = ApprovalRequest.objects.get(asset=make_asset(users[2], teams[0])).policy
    return teams, users, policy


@pytest.mark.slow
def test_the_sql_rule_picks_exactly_what_the_written_rule_picks(cast):
    teams, users, policy = cast
    user_ids = [u.pk for u in users]

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(data=st.data())
    def check(data: st.DataObject) -> None:
        world = World()
        try:
            with transaction.atomic():
                for n in range(data.draw(st.integers(1, 8), label="assets")):
                    asset = Asset.objects.create(
                        slug=f"drawn-{n}",
                        name=f"Drawn {n}",
                        team=data.draw(st.sampled_from(teams)),
                        owner_id=data.draw(st.sampled_from(user_ids)),
                        created_by_id=user_ids[0],
                        purpose="x",
                        ai_act_category="minimal",
                        materiality_tier=3,
                        stage=data.draw(st.sampled_from(AssetStage.values)),
                    )
                    world.assets[asset.pk] = (asset.team_id, asset.owner_id, asset.stage)
                    for v in range(data.draw(st.integers(0, 3))):
                        version = AssetVersion.objects.create(
                            asset=asset,
                            label=f"{v}",
                            stage=data.draw(st.sampled_from(VersionStage.values)),
                            validator_id=data.draw(st.none() | st.sampled_from(user_ids)),
                            registered_by_id=user_ids[0],
                        )
                        world.versions.append((asset.pk, version.stage, version.validator_id))
                    for by in data.draw(st.lists(st.sampled_from(user_ids), max_size=2)):
                        StageTransition.objects.create(
                            kind=ASSET, asset=asset, source="a", target="b", actor_kind="user",
                            actor_id=str(by), actor_name="x", actor_user_id=by,
                        )  # fmt: skip
                        world.acted.append((asset.pk, by))
                    statuses = data.draw(st.lists(st.sampled_from(RequestStatus.values), max_size=2))
                    for status in sorted(statuses, key=lambda s: s == RequestStatus.OPEN)[-2:]:
                        if status == RequestStatus.OPEN and (asset.pk, status) in world.requests:
                            continue  # one open request per object
                        request = ApprovalRequest.objects.create(
                            purpose="proposal", kind=ASSET, asset=asset, policy=policy, digest="0" * 64,
                            digest_version=1, status=status, opened_by_name="x",
                            closed_at=None if status == RequestStatus.OPEN else asset.created_at,
                        )  # fmt: skip
                        world.requests.append((asset.pk, status))
                        for by in set(data.draw(st.lists(st.sampled_from(user_ids), max_size=2))):
                            Decision.objects.create(
                                request=request, approver_id=by, approver_name="x", role="approver",
                                meaning="approve", digest_seen="0" * 64, signature_method="password",
                            )  # fmt: skip
                            world.signed.append((asset.pk, by))
                drawn = set(world.assets)
                for user in users:
                    fresh = User.objects.get(pk=user.pk)  # roles and teams as the request would load them
                    teams_of = set(fresh.team_ids)
                    want = expected(world, fresh, teams_of)
                    got = set(visible_assets(fresh).filter(pk__in=drawn).values_list("pk", flat=True))
                    assert got == want, (fresh.username, sorted(fresh.role_set), world)
                    versions = visible_versions(fresh).filter(asset_id__in=drawn)
                    assert set(versions.values_list("asset_id", flat=True)) == {
                        a for a, _, _ in world.versions if a in want
                    }
                raise Rollback
        except Rollback:
            pass

    check()
