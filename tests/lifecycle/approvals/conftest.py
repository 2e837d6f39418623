"""Approvals test helpers: validated versions with open requests, signing as a persona."""

from __future__ import annotations

import pytest

from governance.audit.actors import Actor
from lifecycle.approvals.decisions import decide
from lifecycle.approvals.queries import open_request
from lifecycle.approvals.signing import Signature
from lifecycle.models import ApprovalRequest
from tests.conftest import PASSWORD
from tests.factories import activate, make_asset, make_version, walk_version_to


def sign(
    user,
    request: ApprovalRequest,
    meaning: str = "approve",
    *,
    comment: str = "",
    digest: str | None = None,
    password: str = PASSWORD,
    conditions=(),
):
    """Sign a decision on `request` as `user` with a password signature."""
    return decide(
        request.pk,
        actor=Actor.for_user(user),
        meaning=meaning,
        comment=comment,
        conditions=conditions,
        digest_seen=request.digest if digest is None else digest,
        signature=Signature(password=password),
    )


def validated_version(people, **asset_fields):
    asset = make_asset(people.owner, people.retail, **asset_fields)
    activate(asset, people.approver)
    return walk_version_to(make_version(asset), "validated", people)


@pytest.fixture
def validated(people):
    """A high-risk, tier-1 version in `validated` with its approval request open (2 approvers, 1 committee)."""
    return validated_version(people)


@pytest.fixture
def request_of():
    def get(obj):
        obj.refresh_from_db()
        return open_request(obj)

    return get
