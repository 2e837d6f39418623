"""People, teams and tokens pages: admin-only management, audited changes, tokens shown once and hashed."""

from __future__ import annotations

import hashlib

import pytest
from django.urls import reverse

from governance.accounts.models import ApiToken, Team, User
from governance.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def last_event() -> AuditEvent:
    return AuditEvent.objects.order_by("-seq").first()


# --- people and teams --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["owner", "validator", "approver", "compliance", "outsider"])
def test_people_and_teams_are_for_administrators_only(web_for, people, name):
    client = web_for(getattr(people, name))
    assert client.get(reverse("accounts:people")).status_code == 403
    assert client.get(reverse("accounts:person", args=["olivia"])).status_code == 403
    assert (
        client.post(
            reverse("accounts:person_role", args=["olivia"]), {"action": "grant", "role": "admin"}
        ).status_code
        == 403
    )
    assert not people.owner.role_grants.filter(role="admin").exists()


def test_the_people_page_lists_everyone_with_roles_and_teams(web_for, people, django_assert_max_num_queries):
    client = web_for(people.admin)
    with django_assert_max_num_queries(10):
        page = client.get(reverse("accounts:people"))
    assert page.status_code == 200
    assert "Olivia" in page.text and "Model owner" in page.text and "Retail Credit" in page.text
    assert "People &amp; teams" in page.text and 'aria-current="page"' in page.text


def test_an_admin_adds_a_person_with_roles_teams_and_a_password(web_for, people):
    response = web_for(people.admin).post(
        reverse("accounts:person_create"),
        {
            "username": "nina",
            "full_name": "Nina New",
            "email": "nina@example.test",
            "password": "a long enough passphrase",
            "roles": ["owner", "validator"],
            "teams": ["marketing"],
        },
    )
    nina = User.objects.get(username="nina")
    assert response.status_code == 302 and response.url == reverse("accounts:person", args=["nina"])
    assert nina.check_password("a long enough passphrase")
    assert set(nina.role_grants.values_list("role", flat=True)) == {"owner", "validator"}
    assert list(nina.teams.values_list("slug", flat=True)) == ["marketing"]
    event = last_event()
    assert event.action == "account.user_created" and event.actor_name == people.admin.username


def test_a_weak_password_or_taken_username_is_refused_next_to_the_field(web_for, people):
    client = web_for(people.admin)
    weak = client.post(reverse("accounts:person_create"), {"username": "nina", "password": "short"})
    assert weak.status_code == 400 and 'id="id_password_error"' in weak.text
    taken = client.post(reverse("accounts:person_create"), {"username": "OLIVIA"})
    assert taken.status_code == 400 and "already exists" in taken.text
    assert not User.objects.filter(username="nina").exists()


def test_granting_and_revoking_a_role_are_audit_events(web_for, people):
    client = web_for(people.admin)
    url = reverse("accounts:person_role", args=["olivia"])
    client.post(url, {"action": "grant", "role": "validator"})
    assert people.owner.role_grants.filter(role="validator").exists()
    granted = last_event()
    assert granted.action == "account.role_granted" and granted.payload == {"role": "validator"}
    client.post(url, {"action": "revoke", "role": "validator"})
    assert not people.owner.role_grants.filter(role="validator").exists()
    assert last_event().action == "account.role_revoked"


def test_an_admin_cannot_revoke_their_own_admin_role(web_for, people):
    client = web_for(people.admin)
    events = AuditEvent.objects.count()
    response = client.post(
        reverse("accounts:person_role", args=["adam"]), {"action": "revoke", "role": "admin"}, follow=True
    )
    assert "Administrators cannot revoke their own admin role." in response.text
    assert people.admin.role_grants.filter(role="admin").exists()
    assert AuditEvent.objects.count() == events


def test_team_membership_changes_are_audit_events(web_for, people):
    client = web_for(people.admin)
    client.post(reverse("accounts:person_team", args=["carla"]), {"action": "add", "team": "marketing"})
    assert people.marketing.members.filter(pk=people.compliance.pk).exists()
    assert last_event().action == "account.member_added"
    client.post(reverse("accounts:team_member", args=["marketing"]), {"action": "remove", "user": "carla"})
    assert not people.marketing.members.filter(pk=people.compliance.pk).exists()
    assert last_event().action == "account.member_removed"
    bad = client.post(
        reverse("accounts:team_member", args=["marketing"]), {"action": "add", "user": "nobody"}
    )
    assert bad.status_code == 400


def test_an_admin_creates_and_edits_a_team(web_for, people):
    client = web_for(people.admin)
    created = client.post(
        reverse("accounts:team_create"), {"slug": "fraud", "name": "Fraud Analytics", "is_risk_committee": ""}
    )
    team = Team.objects.get(slug="fraud")
    assert created.status_code == 302 and not team.is_risk_committee
    assert last_event().action == "account.team_created"
    client.post(reverse("accounts:team", args=["fraud"]), {"name": "Fraud & AML", "is_risk_committee": "on"})
    team.refresh_from_db()
    assert team.name == "Fraud & AML" and team.is_risk_committee
    event = last_event()
    assert event.action == "account.team_updated" and event.payload["new"]["is_risk_committee"] is True
    duplicate = client.post(reverse("accounts:team_create"), {"slug": "fraud", "name": "Again"})
    assert duplicate.status_code == 400 and 'id="id_slug_error"' in duplicate.text


# --- tokens --------------------------------------------------------------------------------------------


def test_a_token_secret_is_shown_once_and_stored_only_as_a_hash(web_for, people):
    client = web_for(people.owner)
    response = client.post(
        reverse("accounts:tokens"), {"name": "CI", "scope": "read", "expires_in_days": "30"}
    )
    assert response.status_code == 201
    assert response["Cache-Control"] == "no-store"
    token = ApiToken.objects.get(user=people.owner, name="CI")
    secret = response.context["issued"].secret
    assert secret in response.text and secret.startswith(f"stw_{token.prefix}_")
    assert token.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    stored = [str(value) for value in ApiToken.objects.filter(pk=token.pk).values().first().values()]
    assert all(secret not in value for value in stored)
    assert last_event().action == "account.token_created"
    listing = client.get(reverse("accounts:tokens"))
    assert secret not in listing.text and f"stw_{token.prefix}_…" in listing.text


def test_token_form_errors_are_shown_and_nothing_is_issued(web_for, people):
    response = web_for(people.owner).post(
        reverse("accounts:tokens"), {"name": "", "scope": "root", "expires_in_days": "999"}
    )
    assert response.status_code == 400
    assert 'id="id_name_error"' in response.text and 'id="id_scope_error"' in response.text
    assert not ApiToken.objects.filter(user=people.owner).exists()


def test_users_revoke_their_own_tokens_but_not_others(web_for, api_for, people):
    api_for(people.owner, "read")
    api_for(people.outsider, "read")
    mine = ApiToken.objects.get(user=people.owner)
    theirs = ApiToken.objects.get(user=people.outsider)
    client = web_for(people.owner)
    assert client.post(reverse("accounts:token_revoke", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("accounts:token_revoke", args=[mine.pk])).status_code == 302
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.revoked_at is not None and theirs.revoked_at is None
    assert last_event().action == "account.token_revoked"
    assert theirs.prefix not in client.get(reverse("accounts:tokens"), {"all": "1"}).text


def test_admins_see_everyones_tokens_and_issue_for_service_accounts(web_for, api_for, people):
    api_for(people.outsider, "read")
    client = web_for(people.admin)
    everyone = client.get(reverse("accounts:tokens"), {"all": "1"}).text
    assert "xena" in everyone
    issued = client.post(
        reverse("accounts:tokens"),
        {"name": "registry", "scope": "integration", "expires_in_days": "90", "user": "olivia"},
    )
    assert issued.status_code == 201
    assert ApiToken.objects.get(name="registry").user == people.owner
    # Non-admins get no "issue for" field: the token is theirs whatever is posted.
    web_for(people.outsider).post(
        reverse("accounts:tokens"),
        {"name": "sneaky", "scope": "read", "expires_in_days": "1", "user": "olivia"},
    )
    assert ApiToken.objects.get(name="sneaky").user == people.outsider
