"""Connections API: administrators manage, compliance reads, everybody else sees nothing; secrets once."""

from __future__ import annotations

from django.test import Client

from governance.audit.models import AuditEvent
from governance.integrations import signatures
from governance.integrations.crypto import decrypt_secret
from governance.integrations.models import RegistryConnection

BODY = {
    "name": "mlflow-prod",
    "kind": "mlflow",
    "registry_url": "https://mlflow.example.com",
    "callback_token": "s3cr3t-token",
    "team": "retail-credit",
    "default_owner": "olivia",
    "mapping": "auto_create",
    "production_aliases": ["production", "champion"],
    "approved_alias": "approved",
}


def test_an_admin_creates_a_connection_and_sees_the_secret_once(people, api_for):
    admin = api_for(people.admin)
    response = admin.post("/api/v1/integrations/connections/", BODY, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    secret = body["webhook_secret"]
    assert secret.startswith("whs_") and body["has_callback_token"] is True and "callback_token" not in body
    assert body["webhook_url"].endswith(
        f"/api/v1/integrations/hooks/mlflow/{RegistryConnection.objects.get().webhook_key}/"
    )
    connection = RegistryConnection.objects.get()
    assert (
        secret not in connection.webhook_secret_encrypted
        and decrypt_secret(connection.webhook_secret_encrypted) == secret
    )
    assert "s3cr3t-token" not in connection.callback_token_encrypted
    again = admin.get(f"/api/v1/integrations/connections/{connection.pk}/").json()
    assert "webhook_secret" not in again and secret not in str(again)
    event = AuditEvent.objects.get(action="registry.connection_created")
    assert secret not in event.canonical and "s3cr3t-token" not in event.canonical


def test_rotating_the_secret_retires_the_old_one(people, api_for):
    admin = api_for(people.admin)
    created = admin.post("/api/v1/integrations/connections/", BODY, format="json").json()
    rotated = admin.post(f"/api/v1/integrations/connections/{created['id']}/rotate-secret/").json()[
        "webhook_secret"
    ]
    assert rotated != created["webhook_secret"]
    connection = RegistryConnection.objects.get()
    body = b'{"entity": "registered_model", "action": "created", "data": {"name": "m"}}'
    import time

    ts = str(int(time.time()))
    old = signatures.sign(created["webhook_secret"], "d1", ts, body)
    response = Client().post(
        connection.webhook_path,
        body,
        content_type="application/json",
        HTTP_X_MLFLOW_DELIVERY_ID="d1",
        HTTP_X_MLFLOW_TIMESTAMP=ts,
        HTTP_X_MLFLOW_SIGNATURE=old,
    )
    assert response.status_code == 401


def test_only_administrators_write_and_only_they_and_compliance_read(people, api_for):
    created = api_for(people.admin).post("/api/v1/integrations/connections/", BODY, format="json").json()
    url = f"/api/v1/integrations/connections/{created['id']}/"
    compliance = api_for(people.compliance)
    assert compliance.get(url).status_code == 200
    assert compliance.patch(url, {"enabled": False}, format="json").status_code == 403
    assert (
        compliance.post("/api/v1/integrations/connections/", BODY | {"name": "x"}, format="json").status_code
        == 403
    )
    for user in (people.owner, people.validator, people.approver, people.outsider):
        client = api_for(user)
        assert client.get("/api/v1/integrations/connections/").json()["results"] == []
        assert client.get(url).status_code == 404
        assert client.patch(url, {"enabled": False}, format="json").status_code == 404
    assert (
        api_for(people.admin, "integration")
        .post("/api/v1/integrations/connections/", BODY, format="json")
        .status_code
        == 403
    )


def test_settings_changes_are_validated_and_audited(people, api_for):
    admin = api_for(people.admin)
    created = admin.post("/api/v1/integrations/connections/", BODY, format="json").json()
    url = f"/api/v1/integrations/connections/{created['id']}/"
    response = admin.patch(url, {"approved_alias": "production"}, format="json")
    assert response.status_code == 400 and "approved_alias" in response.json()["errors"]
    response = admin.patch(url, {"production_aliases": ["live"], "enabled": False}, format="json")
    assert response.status_code == 200 and response.json()["production_aliases"] == ["live"]
    event = AuditEvent.objects.filter(action="registry.connection_updated").latest("seq")
    assert event.payload["old"]["enabled"] is True and event.payload["new"]["enabled"] is False


def test_bad_connections_are_400_with_field_errors(people, api_for):
    admin = api_for(people.admin)
    for change, field in [
        ({"registry_url": ""}, "registry_url"),
        ({"kind": "teams"}, "kind"),
        ({"team": "nope"}, "team"),
        ({"production_aliases": "production"}, "production_aliases"),
        ({"kind": "generic", "registry_url": ""}, "service_user"),
    ]:
        response = admin.post("/api/v1/integrations/connections/", BODY | change, format="json")
        assert response.status_code == 400 and field in response.json()["errors"], (change, response.json())
    assert not RegistryConnection.objects.exists()
    admin.post("/api/v1/integrations/connections/", BODY, format="json")
    response = admin.post("/api/v1/integrations/connections/", BODY | {"name": "MLFLOW-PROD"}, format="json")
    assert response.status_code == 400 and "name" in response.json()["errors"]


def test_reconcile_now_is_queued(people, api_for, fake_mlflow, django_capture_on_commit_callbacks):
    admin = api_for(people.admin)
    created = admin.post(
        "/api/v1/integrations/connections/", BODY | {"registry_url": fake_mlflow.url}, format="json"
    ).json()
    fake_mlflow.registry.create_version("fraud-detector")
    response = admin.post(f"/api/v1/integrations/connections/{created['id']}/reconcile/")
    assert response.status_code == 202
    shown = admin.get(f"/api/v1/integrations/connections/{created['id']}/").json()
    assert shown["last_reconcile_ok"] is True
    models = admin.get(f"/api/v1/integrations/connections/{created['id']}/models/").json()["results"]
    assert models[0]["name"] == "fraud-detector" and models[0]["versions"] == 1


def test_deliveries_are_listed_with_their_raw_body(people, api_for, hook):
    hook.send("registered_model.created", {"name": "m", "tags": {}, "description": ""}, delivery_id="d-9")
    rows = (
        api_for(people.compliance)
        .get(f"/api/v1/integrations/connections/{hook.connection.pk}/deliveries/")
        .json()["results"]
    )
    assert rows[0]["delivery_id"] == "d-9" and '"registered_model"' in rows[0]["body"]
