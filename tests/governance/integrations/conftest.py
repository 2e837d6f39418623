"""Integration fixtures: a fake MLflow server, an MLflow connection to it, and signed deliveries."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass

import pytest
from django.test import Client

from governance.audit.actors import Actor
from governance.integrations import connections, signatures
from governance.integrations.models import RegistryConnection
from tests.governance.integrations.fake_mlflow import FakeMlflow


@pytest.fixture
def fake_mlflow():
    server = FakeMlflow().start()
    yield server
    server.stop()


@dataclass
class Hook:
    """An MLflow connection and a way to send it signed deliveries, as MLflow would."""

    connection: RegistryConnection
    secret: str
    registry: object  # tests.governance.integrations.fake_mlflow.Registry

    def body(self, event: str, data: dict) -> bytes:
        entity, action = event.rsplit(".", 1)
        envelope = {
            "entity": entity,
            "action": action,
            "timestamp": "2026-11-23T11:50:01.736740+00:00",
            "data": data,
        }
        return json.dumps(envelope).encode()  # MLflow's json.dumps separators

    def headers(
        self,
        body: bytes,
        *,
        delivery_id: str | None = None,
        timestamp: int | None = None,
        secret: str | None = None,
    ) -> dict[str, str]:
        delivery_id = delivery_id or str(uuid.uuid4())
        ts = str(int(time.time()) if timestamp is None else timestamp)
        signature = signatures.sign(secret or self.secret, delivery_id, ts, body)
        return {
            "HTTP_X_MLFLOW_DELIVERY_ID": delivery_id,
            "HTTP_X_MLFLOW_TIMESTAMP": ts,
            "HTTP_X_MLFLOW_SIGNATURE": signature,
        }

    def send(
        self,
        event: str,
        data: dict,
        *,
        client: Client | None = None,
        delivery_id: str | None = None,
        **header_options,
    ):
        body = self.body(event, data)
        client = client or Client()
        return client.post(
            self.connection.webhook_path,
            data=body,
            content_type="application/json",
            **self.headers(body, delivery_id=delivery_id, **header_options),
        )


def make_connection(people, url: str, **options) -> tuple[RegistryConnection, str]:
    fields = {
        "name": "mlflow-test",
        "kind": "mlflow",
        "registry_url": url,
        "team": people.retail,
        "default_owner": people.owner,
        "mapping": "auto_create",
        "production_aliases": ["production", "champion"],
    } | options
    created = connections.create_connection(
        actor=Actor.for_user(people.admin), callback_token="mlflow-token", **fields
    )
    return created.connection, created.webhook_secret


@pytest.fixture
def hook(people, fake_mlflow) -> Hook:
    connection, secret = make_connection(people, fake_mlflow.url)
    return Hook(connection, secret, fake_mlflow.registry)
