"""Reconciliation: poll an MLflow connection and apply whatever its webhooks missed (idempotently).

MLflow keeps no delivery log, drops events after its last retry, and several registry changes fire
no webhook at all (reference §1.2, §1.5). So a periodic pass lists every registered model, its
versions and its aliases, and applies them exactly as a delivery would: already-known versions
are skipped, new ones registered, aliases turned into deployments or findings.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from governance.audit.actors import Actor
from governance.audit.event_types import AuditAction
from governance.audit.ledger import record_event
from governance.integrations.crypto import SecretUnavailable
from governance.integrations.mlflow_client import MlflowClient, RegistryError, alias_map, is_prompt
from governance.integrations.models import RegistryConnection, RegistryKind, RegistryVersionLink
from governance.integrations.processing import state_from_mlflow
from governance.integrations.sync import apply_aliases, ensure_version, lock_model

logger = logging.getLogger(__name__)


def _reconcile_model(
    connection: RegistryConnection, client: MlflowClient, registered: dict, effects: list[str]
) -> None:
    name = str(registered["name"])
    known = set(
        RegistryVersionLink.objects.filter(connection=connection, model_name=name).values_list(
            "version", flat=True
        )
    )
    new_states = [
        state_from_mlflow(v)
        for v in client.search_model_versions(name)
        if str(v.get("version")) not in known and not is_prompt(v)
    ]
    if "aliases" in registered:
        aliases = alias_map(registered)
    else:
        detail = client.get_registered_model(name)
        aliases = alias_map(detail) if detail else {}
    states = {s.version: s for s in new_states}
    for number in set(aliases.values()) - known - set(states):
        found = client.get_model_version(name, number)
        if found is not None:
            states[number] = state_from_mlflow(found)
    with transaction.atomic():
        model = lock_model(connection, name, effects)
        if model.asset is None:
            return
        for state in sorted(new_states, key=lambda s: (len(s.version), s.version)):
            ensure_version(connection, model, state, effects)
        apply_aliases(connection, model, aliases, states, effects)


def reconcile(connection_id: int) -> str:
    """One pass over one MLflow connection; records the outcome on the connection either way."""
    connection = RegistryConnection.objects.select_related("team", "default_owner").get(pk=connection_id)
    if connection.kind != RegistryKind.MLFLOW or not connection.enabled:
        return "skipped: not an enabled MLflow connection"
    effects: list[str] = []
    models = 0
    error = ""
    try:
        with MlflowClient(connection) as client:
            for registered in client.search_registered_models():
                if is_prompt(registered):
                    continue
                models += 1
                _reconcile_model(connection, client, registered, effects)
    except (RegistryError, SecretUnavailable) as exc:
        error = str(exc)
        logger.warning("reconciling %s failed: %s", connection, exc)
    summary = f"{models} models checked, {len(effects)} changes" + (f"; stopped: {error}" if error else "")
    with transaction.atomic():
        RegistryConnection.objects.filter(pk=connection.pk).update(
            last_reconcile_at=timezone.now(),
            last_reconcile_ok=not error,
            last_reconcile_summary=summary[:2000],
        )
        if effects:
            record_event(
                AuditAction.REGISTRY_RECONCILED,
                actor=Actor.system("registry reconciliation"),
                obj=connection,
                payload={"models": models, "effects": effects, "error": error},
            )
    return summary
