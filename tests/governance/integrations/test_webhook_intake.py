"""MLflow webhook intake: signatures over the raw body, the replay window, storage before action, bad input."""

from __future__ import annotations

import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection as db_connection
from django.test import Client

from governance.audit.models import AuditEvent
from governance.integrations.models import DeliveryStatus, WebhookDelivery
from governance.inventory.models import Asset, AssetVersion

CREATED = {
    "name": "fraud-detector",
    "version": "1",
    "source": "s3://m/1",
    "run_id": "r1",
    "tags": {},
    "description": None,
}


def _post(hook, body: bytes, headers: dict, content_type: str = "application/json"):
    return Client().post(hook.connection.webhook_path, data=body, content_type=content_type, **headers)


def test_a_signed_delivery_is_stored_raw_and_applied(hook, django_capture_on_commit_callbacks):
    hook.registry.create_version("fraud-detector", source="s3://m/1", run_id="r1")
    body = hook.body("model_version.created", CREATED)
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(hook, body, hook.headers(body, delivery_id="d-1"))
    assert response.status_code == 200
    assert response.json() == {"delivery": "d-1", "status": "accepted"}
    delivery = WebhookDelivery.objects.get()
    assert bytes(delivery.body) == body  # the exact bytes, never re-serialised
    assert delivery.event == "model_version.created"
    assert delivery.headers["X-MLflow-Delivery-Id"] == "d-1" and "Authorization" not in delivery.headers
    assert delivery.status == DeliveryStatus.PROCESSED
    assert AssetVersion.objects.get().registry_link.version == "1"


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [
        ("wrong_secret", "does not match"),
        ("altered_body", "does not match"),
        ("stale", "outside"),
        ("future", "outside"),
        ("bad_timestamp", "Unix seconds"),
    ],
)
def test_inauthentic_deliveries_are_401_and_nothing_is_stored(hook, tamper, reason):
    body = hook.body("model_version.created", CREATED)
    options = {
        "wrong_secret": {"secret": "whs_not-the-secret"},
        "stale": {"timestamp": int(time.time()) - 301},
        "future": {"timestamp": int(time.time()) + 301},
    }.get(tamper, {})
    headers = hook.headers(body, **options)
    if tamper == "altered_body":
        body = body.replace(b'"version": "1"', b'"version": "2"')
    if tamper == "bad_timestamp":
        headers["HTTP_X_MLFLOW_TIMESTAMP"] = "yesterday"
    response = _post(hook, body, headers)
    assert response.status_code == 401
    assert reason in response.json()["detail"]
    assert WebhookDelivery.objects.count() == 0


def test_a_timestamp_inside_the_window_is_accepted(hook):
    body = hook.body("registered_model.created", {"name": "m", "tags": {}, "description": ""})
    assert _post(hook, body, hook.headers(body, timestamp=int(time.time()) - 290)).status_code == 200


@pytest.mark.parametrize(
    "missing", ["HTTP_X_MLFLOW_DELIVERY_ID", "HTTP_X_MLFLOW_TIMESTAMP", "HTTP_X_MLFLOW_SIGNATURE"]
)
def test_a_missing_header_is_401_naming_it(hook, missing):
    body = hook.body("model_version.created", CREATED)
    headers = hook.headers(body)
    del headers[missing]
    response = _post(hook, body, headers)
    assert response.status_code == 401
    assert missing.removeprefix("HTTP_").replace("_", "-").lower() in response.json()["detail"].lower()
    assert WebhookDelivery.objects.count() == 0


def test_the_secret_is_checked_in_constant_time(monkeypatch, hook):
    import hmac as hmac_module

    calls = []
    original = hmac_module.compare_digest
    monkeypatch.setattr(hmac_module, "compare_digest", lambda a, b: calls.append(1) or original(a, b))
    body = hook.body("registered_model.created", {"name": "m", "tags": {}, "description": ""})
    _post(hook, body, hook.headers(body))
    assert calls


def test_unknown_and_disabled_connections(hook):
    body = hook.body("model_version.created", CREATED)
    response = Client().post(
        f"/api/v1/integrations/hooks/mlflow/{uuid.uuid4()}/",
        data=body,
        content_type="application/json",
        **hook.headers(body),
    )
    assert response.status_code == 404
    hook.connection.enabled = False
    hook.connection.save()
    response = _post(hook, body, hook.headers(body))
    assert response.status_code == 403 and "disabled" in response.json()["detail"]
    assert WebhookDelivery.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "content_type", "status", "code"),
    [
        (
            b'{"entity": "model_version", "action": "created", "data": ',
            "application/json",
            400,
            "malformed_json",
        ),
        (b"[1, 2, 3]", "application/json", 400, "malformed_json"),
        (
            json.dumps({"entity": "prompt", "action": "created", "data": {"name": "p"}}).encode(),
            "application/json",
            400,
            "unknown_event",
        ),
        (
            json.dumps({"entity": "model_version", "action": "created", "data": {"name": "m"}}).encode(),
            "application/json",
            400,
            "invalid_event",
        ),
        (
            json.dumps({"entity": "model_version", "action": "created", "data": CREATED}).encode(),
            "text/plain",
            415,
            "unsupported_media_type",
        ),
    ],
)
def test_bad_input_from_an_authentic_sender_is_kept_and_nothing_else_changes(
    hook, django_capture_on_commit_callbacks, body, content_type, status, code
):
    hook.registry.create_version("fraud-detector")
    events = AuditEvent.objects.count()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = _post(hook, body, hook.headers(body, delivery_id="bad-1"), content_type=content_type)
    assert response.status_code == status
    assert response.json()["code"] == code and response.json()["delivery"] == "bad-1"
    kept = WebhookDelivery.objects.get()
    assert bytes(kept.body) == body and kept.status == DeliveryStatus.REJECTED and kept.error
    assert callbacks == []  # nothing queued
    assert AuditEvent.objects.count() == events and not AssetVersion.objects.exists()


def test_an_oversized_body_is_413_and_not_read(hook, settings):
    settings.STEWARD_MAX_WEBHOOK_BODY_BYTES = 1000
    body = hook.body("registered_model.created", {"name": "m", "tags": {}, "description": "x" * 2000})
    response = _post(hook, body, hook.headers(body))
    assert response.status_code == 413
    assert "limit" in response.json()["detail"] and response.json()["code"] == "payload_too_large"
    assert WebhookDelivery.objects.count() == 0


def test_a_retried_delivery_is_stored_and_applied_once(hook, django_capture_on_commit_callbacks):
    hook.registry.create_version("fraud-detector")
    body = hook.body("model_version.created", CREATED)
    headers = hook.headers(body, delivery_id="same-id")
    with django_capture_on_commit_callbacks(execute=True):
        first = _post(hook, body, headers)
        second = _post(hook, body, headers)
    assert first.json()["status"] == "accepted" and second.json()["status"] == "duplicate"
    assert second.status_code == 200
    assert WebhookDelivery.objects.count() == 1 and AssetVersion.objects.count() == 1


def test_a_replayed_bad_delivery_answers_as_the_first_time(hook):
    body = b"{not json"
    headers = hook.headers(body, delivery_id="bad-twice")
    assert _post(hook, body, headers).status_code == 400
    again = _post(hook, body, headers)
    assert again.status_code == 400 and again.json()["code"] == "malformed_json"
    assert WebhookDelivery.objects.count() == 1


def test_webhooks_are_rate_limited_per_connection_and_address(hook, settings):
    from django.core.cache import cache

    cache.clear()
    settings.REST_FRAMEWORK = settings.REST_FRAMEWORK | {
        "DEFAULT_THROTTLE_RATES": settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] | {"webhook": "3/min"}
    }
    body = hook.body("registered_model.created", {"name": "m", "tags": {}, "description": ""})
    codes = [_post(hook, body, hook.headers(body)).status_code for _ in range(5)]
    assert codes[:3] == [200, 200, 200] and codes[3:] == [429, 429]
    cache.clear()


@pytest.mark.django_db(transaction=True)
def test_one_hundred_concurrent_replays_have_one_effect(people, fake_mlflow):
    from tests.governance.integrations.conftest import Hook, make_connection

    connection, secret = make_connection(people, fake_mlflow.url)
    hook = Hook(connection, secret, fake_mlflow.registry)
    hook.registry.create_version("fraud-detector", source="s3://m/1")
    body = hook.body("model_version.created", CREATED)
    headers = hook.headers(body, delivery_id="replayed-100")

    def send(_):
        try:
            return _post(hook, body, headers).status_code
        finally:
            db_connection.close()

    with ThreadPoolExecutor(max_workers=20) as pool:
        codes = list(pool.map(send, range(100)))
    assert codes == [200] * 100
    assert WebhookDelivery.objects.count() == 1
    assert WebhookDelivery.objects.get().status == DeliveryStatus.PROCESSED
    assert AssetVersion.objects.count() == 1 and Asset.objects.filter(slug="fraud-detector").count() == 1
    assert AuditEvent.objects.filter(action="registry.delivery_processed").count() == 1
