"""Request body limits (413 with a clear message) and rate limits on authentication."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from governance.accounts.models import ApiToken
from governance.inventory.models import Asset
from tests.conftest import PASSWORD


@pytest.fixture(autouse=True)
def _fresh_counters():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def tight_auth_rate(settings):
    settings.REST_FRAMEWORK = settings.REST_FRAMEWORK | {
        "DEFAULT_THROTTLE_RATES": settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] | {"auth": "3/min"}
    }


def test_an_oversized_json_body_is_413_before_anything_runs(people, api_for, settings):
    settings.STEWARD_MAX_REQUEST_BODY_BYTES = 2000
    body = {
        "slug": "big",
        "name": "Big",
        "team": "retail-credit",
        "purpose": "x" * 5000,
        "ai_act_category": "minimal",
        "materiality_tier": 3,
    }
    response = api_for(people.owner).post("/api/v1/assets/", body, format="json")
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"
    assert "limit for this endpoint is 2000 bytes" in response.json()["detail"]
    assert not Asset.objects.exists()


def test_uploads_have_their_own_larger_limit(people, api_for, settings):
    settings.STEWARD_MAX_REQUEST_BODY_BYTES = 1000
    settings.STEWARD_MAX_UPLOAD_BYTES = 4000
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = api_for(people.owner)
    small = client.post(
        "/api/v1/evidence/", {"file": SimpleUploadedFile("a.txt", b"x" * 2000)}, format="multipart"
    )
    assert small.status_code != 413  # past the JSON limit, inside the upload limit: the view decides
    big = client.post(
        "/api/v1/evidence/", {"file": SimpleUploadedFile("a.txt", b"x" * 5000)}, format="multipart"
    )
    assert big.status_code == 413 and "4000 bytes" in big.json()["detail"]


def test_web_pages_get_a_plain_413_too(people, client, settings):
    settings.STEWARD_MAX_REQUEST_BODY_BYTES = 100
    body = "username=" + "x" * 500 + "&password=y"
    response = client.post("/login/", body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413 and response["Content-Type"].startswith("text/plain")


def test_repeated_sign_in_failures_lock_the_address_and_the_username_out(people, tight_auth_rate):
    client = Client()
    for _ in range(3):
        assert client.post("/login/", {"username": "olivia", "password": "wrong"}).status_code == 200
    locked = client.post("/login/", {"username": "olivia", "password": PASSWORD})
    assert locked.status_code == 429 and "Retry-After" in locked
    assert "Too many failed sign-in attempts" in locked.content.decode()
    # Another address is still locked out for that username (a spread-out guess is slowed too).
    other = Client(REMOTE_ADDR="10.9.9.9")
    assert other.post("/login/", {"username": "olivia", "password": PASSWORD}).status_code == 429
    # …but other users from other addresses sign in normally.
    assert other.post("/login/", {"username": "omar", "password": PASSWORD}).status_code == 302


def test_successful_sign_ins_do_not_count(people, tight_auth_rate):
    for _ in range(5):
        client = Client()
        assert client.post("/login/", {"username": "olivia", "password": PASSWORD}).status_code == 302


def test_repeated_bad_tokens_are_throttled_per_address(people, api_for, tight_auth_rate):
    bad = Client(HTTP_AUTHORIZATION="Bearer stw_0000000000_not-a-real-token")
    assert [bad.get("/api/v1/me/").status_code for _ in range(3)] == [401, 401, 401]
    locked = bad.get("/api/v1/me/")
    assert locked.status_code == 429 and locked.json()["code"] == "throttled"
    # While locked out, even a valid token from that address waits.
    good = api_for(people.owner)
    assert good.get("/api/v1/me/").status_code == 429
    assert good.get("/api/v1/me/", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert ApiToken.objects.count() == 1


@pytest.mark.parametrize(
    ("hops", "forwarded", "expected"),
    [
        (0, "203.0.113.9", "10.0.0.2"),  # no proxies configured: the header is the client's own words
        (1, "198.51.100.1, 203.0.113.9", "203.0.113.9"),  # our proxy appended the real client last
        (2, "198.51.100.1, 203.0.113.9, 10.0.0.7", "203.0.113.9"),
        (3, "203.0.113.9", "203.0.113.9"),  # fewer entries than hops: the leftmost there is
        (1, "", "10.0.0.2"),
    ],
)
def test_client_address_behind_proxies_trusts_only_their_entries(settings, rf, hops, forwarded, expected):
    from governance.api.ratelimit import client_ip

    settings.STEWARD_PROXY_HOPS = hops
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected
