"""Idempotency-Key on POST commands: same key and body → same response, no second effect; other body → 409."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection as db_connection
from rest_framework.response import Response
from rest_framework.test import APIClient, APIRequestFactory, force_authenticate
from rest_framework.views import APIView

from governance.accounts.models import ApiToken
from governance.api.idempotency import idempotent
from governance.api.models import IdempotencyRecord
from governance.inventory.models import Asset
from lifecycle.models import StageTransition
from tests.factories import make_asset, make_version

ASSET = {
    "slug": "loan-pricing",
    "name": "Loan pricing",
    "team": "retail-credit",
    "purpose": "Prices loans.",
    "ai_act_category": "limited",
    "materiality_tier": 2,
}


def key() -> str:
    return str(uuid.uuid4())


def test_a_repeated_transition_is_replayed_without_a_second_effect(people, api_for):
    version = make_version(make_asset(people.owner, people.retail))
    from tests.factories import make_final_card

    make_final_card(version)
    client, k = api_for(people.owner), key()
    url = f"/api/v1/versions/{version.pk}/transitions/"
    first = client.post(url, {"to": "submitted"}, format="json", HTTP_IDEMPOTENCY_KEY=k)
    second = client.post(url, {"to": "submitted"}, format="json", HTTP_IDEMPOTENCY_KEY=k)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second["Idempotent-Replayed"] == "true" and not first.has_header("Idempotent-Replayed")
    assert StageTransition.objects.filter(version=version).count() == 1


def test_the_same_key_with_another_body_is_409(people, api_for):
    client, k = api_for(people.owner), key()
    assert client.post("/api/v1/assets/", ASSET, format="json", HTTP_IDEMPOTENCY_KEY=k).status_code == 201
    response = client.post(
        "/api/v1/assets/", ASSET | {"slug": "other"}, format="json", HTTP_IDEMPOTENCY_KEY=k
    )
    assert response.status_code == 409 and response.json()["code"] == "idempotency_key_reused"
    response = client.post(
        "/api/v1/versions/", {"asset": "loan-pricing", "label": "1"}, format="json", HTTP_IDEMPOTENCY_KEY=k
    )
    assert response.status_code == 409  # another endpoint is another request too
    assert Asset.objects.count() == 1


def test_without_a_key_each_post_is_its_own_command(people, api_for):
    client = api_for(people.owner)
    assert client.post("/api/v1/assets/", ASSET, format="json").status_code == 201
    assert client.post("/api/v1/assets/", ASSET, format="json").status_code == 400  # the slug is taken


def test_a_refused_command_is_not_stored_so_a_corrected_retry_runs(people, api_for):
    client, k = api_for(people.owner), key()
    bad = client.post(
        "/api/v1/assets/", ASSET | {"materiality_tier": 9}, format="json", HTTP_IDEMPOTENCY_KEY=k
    )
    assert bad.status_code == 400 and not IdempotencyRecord.objects.exists()
    assert client.post("/api/v1/assets/", ASSET, format="json", HTTP_IDEMPOTENCY_KEY=k).status_code == 201


def test_keys_belong_to_their_user(people, api_for):
    k = key()
    assert (
        api_for(people.owner)
        .post("/api/v1/assets/", ASSET, format="json", HTTP_IDEMPOTENCY_KEY=k)
        .status_code
        == 201
    )
    other = api_for(people.owner2).post(
        "/api/v1/assets/", ASSET | {"slug": "b"}, format="json", HTTP_IDEMPOTENCY_KEY=k
    )
    assert other.status_code == 201 and Asset.objects.count() == 2


@pytest.mark.parametrize("bad", ["", "x" * 256, "has space", "ключ"])
def test_malformed_keys_are_400(people, api_for, bad):
    response = api_for(people.owner).post("/api/v1/assets/", ASSET, format="json", HTTP_IDEMPOTENCY_KEY=bad)
    assert response.status_code == 400 and "Idempotency-Key" in response.json()["errors"]
    assert not Asset.objects.exists()


def test_token_creation_is_idempotent_and_the_replay_returns_the_same_secret_once_issued(people, client):
    client.force_login(people.owner)
    k = key()
    first = client.post(
        "/api/v1/tokens/",
        {"name": "ci", "scope": "read"},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=k,
    )
    second = client.post(
        "/api/v1/tokens/",
        {"name": "ci", "scope": "read"},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=k,
    )
    assert first.status_code == second.status_code == 201 and first.json()["id"] == second.json()["id"]
    assert ApiToken.objects.filter(user=people.owner, name="ci").count() == 1


def test_the_schema_documents_the_header_on_commands(people, api_for):
    schema = api_for(people.owner).get("/api/schema/", HTTP_ACCEPT="application/json").json()
    for path in (
        "/api/v1/assets/",
        "/api/v1/versions/",
        "/api/v1/versions/{id}/transitions/",
        "/api/v1/tokens/",
    ):
        names = [p["name"] for p in schema["paths"][path]["post"].get("parameters", [])]
        assert "Idempotency-Key" in names, path


def test_the_decorator_makes_any_handler_idempotent(people):
    calls = []

    class Command(APIView):
        @idempotent
        def post(self, request):
            calls.append(1)
            return Response({"n": len(calls)}, status=201)

    factory, view, k = APIRequestFactory(), Command.as_view(), key()
    responses = []
    for _ in range(2):
        request = factory.post("/x/", {"a": 1}, format="json", HTTP_IDEMPOTENCY_KEY=k)
        force_authenticate(request, user=people.owner)
        responses.append(view(request))
    assert [r.status_code for r in responses] == [201, 201] and calls == [1]
    assert responses[1].data == {"n": 1}


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicates_have_one_effect(people):
    from governance.accounts import services
    from governance.audit.actors import Actor

    secret = services.create_token(
        actor=Actor.for_user(people.owner), user=people.owner, name="t", scope="write"
    ).secret
    k = key()

    def post(_):
        try:
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
            response = client.post("/api/v1/assets/", ASSET, format="json", HTTP_IDEMPOTENCY_KEY=k)
            return response.status_code, response.json().get("slug")
        finally:
            db_connection.close()

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(post, range(16)))
    assert results == [(201, "loan-pricing")] * 16
    assert Asset.objects.count() == 1
