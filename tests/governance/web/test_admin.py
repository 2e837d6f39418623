"""The Django admin shows governed records but never changes them."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse

from governance.accounts.models import ApiToken, Membership, RoleGrant, Team, User
from governance.audit.models import AuditEvent, Checkpoint, VerificationRun
from governance.inventory.models import Asset, AssetVersion
from governance.oversight.models import Finding
from governance.web.admin_base import ReadOnlyAdmin
from lifecycle.models import StageTransition
from tests.factories import make_asset, make_version

GOVERNED = [
    AuditEvent,
    Checkpoint,
    VerificationRun,
    Asset,
    AssetVersion,
    StageTransition,
    Finding,
    User,
    Team,
    Membership,
    RoleGrant,
    ApiToken,
]


@pytest.mark.parametrize("model", GOVERNED, ids=lambda m: m._meta.label)
def test_every_governed_model_is_registered_read_only(model, rf):
    model_admin = admin.site._registry[model]
    assert isinstance(model_admin, ReadOnlyAdmin)
    request = rf.get("/")
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
    assert model_admin.get_actions(request) == {}


@pytest.fixture
def superuser(db):
    # A superuser bypasses the role model, which is what makes "read-only" meaningful to test.
    return User.objects.create_superuser("root", "root@example.test", "not used in this test")


def test_a_superuser_can_look_but_not_touch(client, people, superuser):
    asset = make_asset(people.owner, people.retail, name="Credit PD model")
    make_version(asset)
    client.force_login(superuser)
    assert client.get(reverse("admin:inventory_asset_changelist")).status_code == 200
    change_page = client.get(reverse("admin:inventory_asset_change", args=[asset.pk]))
    assert change_page.status_code == 200
    assert 'name="_save"' not in change_page.text
    assert client.get(reverse("admin:inventory_asset_add")).status_code == 403
    assert client.get(reverse("admin:inventory_asset_delete", args=[asset.pk])).status_code == 403
    client.post(reverse("admin:inventory_asset_change", args=[asset.pk]), {"name": "Renamed"})
    asset.refresh_from_db()
    assert asset.name == "Credit PD model"


def test_the_ledger_and_token_pages_hide_secrets_and_show_hashes(client, people, superuser, api_for):
    api_for(people.owner, "read")
    client.force_login(superuser)
    event = AuditEvent.objects.order_by("-seq").first()
    page = client.get(reverse("admin:audit_auditevent_change", args=[event.seq])).text
    assert event.link_hex in page
    token = ApiToken.objects.get()
    token_page = client.get(reverse("admin:accounts_apitoken_change", args=[token.pk])).text
    assert token.key_hash not in token_page
    user_page = client.get(reverse("admin:accounts_user_change", args=[people.owner.pk])).text
    assert people.owner.password not in user_page
