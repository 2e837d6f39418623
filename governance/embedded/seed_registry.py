"""Demo data for registry integration: a generic registry connection that has reported a deployment.

The demo runs without an MLflow server, so it uses the generic event format (which carries its own
state): a "model-registry" connection whose service user is the administrator, and two events it
sent — a new version registered, and a deployment of a version Steward has not approved (a finding).
"""

from __future__ import annotations

import json
from typing import Any

from django.db import transaction

from governance.audit.actors import Actor
from governance.integrations import intake, processing
from governance.integrations.connections import create_connection


def registry_connection(users: dict[str, Any], team: Any) -> None:
    """Create the connection and replay two events through the same intake and processing as live ones."""
    connection = create_connection(
        actor=Actor.for_user(users["adam"]),
        name="model-registry",
        kind="generic",
        team=team,
        default_owner=users["olivia"],
        service_user=users["adam"],
        mapping="auto_create",
    ).connection
    events = [
        {
            "id": "demo-1",
            "type": "version.registered",
            "model": "churn-propensity",
            "version": "3",
            "source": "s3://models/churn-propensity/3",
            "run_id": "demo-run-3",
        },
        {"id": "demo-2", "type": "version.deployed", "model": "churn-propensity", "version": "3"},
    ]
    for event in events:
        with transaction.atomic():
            stored = intake.receive(
                connection, event["id"], json.dumps(event).encode(), {"Content-Type": "application/json"}
            )
        processing.process(stored.delivery.pk)
