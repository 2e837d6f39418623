"""Tokens: shown once, stored hashed, scoped, revocable, expiring; token changes are audit events."""

from datetime import timedelta

import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from governance.accounts.models import ApiToken
from governance.accounts.tokens import hash_token
from governance.audit.models import AuditEvent


def test_a_session_user_creates_a_token_shown_once(people, client):
    client.force_login(people.owner)
    response = client.post(
        "/api/v1/tokens/", {"name": "ci", "scope": "write"}, content_type="application/json"
    )
    assert response.status_code == 201
    secret = response.json()["secret"]
    token = ApiToken.objects.get(prefix=response.json()["prefix"])
    assert token.key_hash == hash_token(secret) and secret not in str(token.__dict__)
    assert "secret" not in client.get(f"/api/v1/tokens/{token.pk}/").json()
    assert AuditEvent.objects.filter(action="account.token_created", object_id=str(token.pk)).exists()


def test_tokens_cannot_mint_tokens(people, api_for):
    assert api_for(people.owner).post("/api/v1/tokens/", {"name": "x"}, format="json").status_code == 403


def test_revoked_and_expired_tokens_are_refused(people, api_for):
    client = api_for(people.owner)
    assert client.get("/api/v1/me/").status_code == 200
    with time_machine.travel(timezone.now() + timedelta(days=400), tick=False):
        assert client.get("/api/v1/me/").status_code == 401
    assert client.post(f"/api/v1/tokens/{client.token.pk}/revoke/").status_code == 200
    assert client.get("/api/v1/me/").status_code == 401
    assert AuditEvent.objects.filter(action="account.token_revoked").count() == 1


def test_garbage_tokens_are_401(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer nonsense")
    assert client.get("/api/v1/me/").status_code == 401
    client.credentials(HTTP_AUTHORIZATION="Bearer stw_abc_def")
    assert client.get("/api/v1/me/").status_code == 401


def test_anonymous_requests_are_refused(db):
    assert APIClient().get("/api/v1/assets/").status_code in (401, 403)


def test_me_lists_roles_and_teams(people, api_for):
    me = api_for(people.owner).get("/api/v1/me/").json()
    assert me["roles"] == ["owner"] and me["teams"][0]["slug"] == "retail-credit"
