"""Reconciliation catches what webhooks missed, idempotently, and reports failures on the connection."""

from __future__ import annotations

from governance.audit.models import AuditEvent
from governance.integrations.models import RegistryConnection
from governance.integrations.reconcile import reconcile
from governance.integrations.tasks import reconcile_registries
from governance.inventory.models import AssetVersion
from governance.oversight.models import Finding
from tests.factories import activate, walk_version_to


def test_a_dropped_event_is_caught_by_the_next_reconcile(hook):
    hook.registry.create_version("fraud-detector", source="s3://m/1", run_id="r1")
    hook.registry.create_version("fraud-detector", source="s3://m/2")
    hook.registry.create_model("empty-model")
    # No webhook was delivered at all (MLflow gave up, or the server restarted).
    summary = reconcile(hook.connection.pk)
    assert "2 models checked" in summary
    labels = sorted(AssetVersion.objects.values_list("label", flat=True))
    assert labels == ["1", "2"]
    connection = RegistryConnection.objects.get()
    assert connection.last_reconcile_ok is True and connection.last_reconcile_at is not None
    assert AuditEvent.objects.filter(action="registry.reconciled").count() == 1


def test_reconcile_is_idempotent(hook):
    hook.registry.create_version("fraud-detector")
    reconcile(hook.connection.pk)
    events = AuditEvent.objects.count()
    summary = reconcile(hook.connection.pk)
    assert "0 changes" in summary
    assert AssetVersion.objects.count() == 1 and AuditEvent.objects.count() == events


def test_reconcile_applies_aliases_it_missed(people, hook):
    hook.registry.create_version("fraud-detector")
    reconcile(hook.connection.pk)
    version = AssetVersion.objects.get()
    activate(version.asset, people.approver)
    walk_version_to(version, "approved", people)
    hook.registry.models["fraud-detector"]["aliases"]["production"] = "1"  # its webhook was lost
    reconcile(hook.connection.pk)
    version.refresh_from_db()
    assert version.stage == "deployed"
    hook.registry.create_version("fraud-detector")
    hook.registry.models["fraud-detector"]["aliases"]["production"] = "2"  # unapproved v2 in production
    reconcile(hook.connection.pk)
    version.refresh_from_db()
    assert version.stage == "deprecated"
    assert Finding.objects.get().version.label == "2"


def test_prompts_are_not_models(hook):
    hook.registry.create_model("my-prompt", tags={"mlflow.prompt.is_prompt": "true"})
    hook.registry.create_version("my-prompt")
    assert "0 models checked" in reconcile(hook.connection.pk)
    assert not AssetVersion.objects.exists()


def test_an_unreachable_registry_is_reported_on_the_connection(hook, api_for, people):
    hook.registry.fail_next = 100
    summary = reconcile(hook.connection.pk)
    assert "stopped" in summary and "503" in summary
    connection = RegistryConnection.objects.get()
    assert connection.last_reconcile_ok is False
    shown = api_for(people.admin).get(f"/api/v1/integrations/connections/{connection.pk}/").json()
    assert shown["last_reconcile_ok"] is False and "503" in shown["last_reconcile_summary"]


def test_the_beat_task_queues_every_enabled_mlflow_connection(hook, people):
    from tests.governance.integrations.conftest import make_connection

    other, _ = make_connection(people, hook.connection.registry_url, name="disabled", enabled=False)
    hook.registry.create_version("fraud-detector")
    assert reconcile_registries() == 1
    assert AssetVersion.objects.count() == 1
    assert RegistryConnection.objects.get(pk=other.pk).last_reconcile_at is None
