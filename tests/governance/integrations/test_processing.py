"""Applying MLflow deliveries: read-back, mapping, out-of-order and duplicate events, aliases, tags, echoes."""

from __future__ import annotations

import pytest

from governance.audit.models import AuditEvent
from governance.integrations import processing
from governance.integrations.models import (
    DeliveryStatus,
    OutboxMessage,
    RegistryModelLink,
    WebhookDelivery,
)
from governance.inventory.models import Asset, AssetVersion
from governance.oversight.models import Finding, FindingSource
from tests.factories import activate, make_asset, walk_version_to

DIGEST = "ab" * 32


@pytest.fixture
def send(hook, django_capture_on_commit_callbacks):
    """send(event, data) → the response; the delivery is processed as the worker would (on commit)."""

    def post(event: str, data: dict, **options):
        with django_capture_on_commit_callbacks(execute=True):
            return hook.send(event, data, **options)

    return post


def register(hook, send, name="fraud-detector", **version_fields) -> AssetVersion:
    number = hook.registry.create_version(name, **version_fields)
    response = send(
        "model_version.created", {"name": name, "version": number, "source": "", "run_id": None, "tags": {}}
    )
    assert response.status_code == 200
    return AssetVersion.objects.get(registry_link__model_name=name, registry_link__version=number)


def test_a_new_version_is_registered_with_what_the_registry_knows(people, hook, send):
    version = register(hook, send, source="s3://models/fraud/1", run_id="run-1", tags={"sha256": DIGEST})
    assert version.stage == "registered"
    assert version.run_id == "run-1" and version.artifact_uri == "s3://models/fraud/1"
    assert version.artifact_digest == DIGEST
    assert version.registry_ref == f"{hook.connection.registry_url}/#/models/fraud-detector/versions/1"
    assert version.source_registry == "mlflow:mlflow-test"
    asset = version.asset
    assert (asset.slug, asset.stage, asset.team, asset.owner) == (
        "fraud-detector",
        "proposed",
        people.retail,
        people.owner,
    )
    event = AuditEvent.objects.filter(action="inventory.version_registered").latest("seq")
    assert event.actor_kind == "registry" and event.actor_id == str(hook.connection.pk)
    assert AuditEvent.objects.filter(action="registry.delivery_processed").count() == 1


def test_the_event_is_a_hint_steward_reads_the_version_back(hook, send):
    number = hook.registry.create_version("fraud-detector", source="s3://truth", run_id="truth")
    send(
        "model_version.created",
        {"name": "fraud-detector", "version": number, "source": "s3://lie", "run_id": "lie", "tags": {}},
    )
    version = AssetVersion.objects.get()
    assert (version.artifact_uri, version.run_id) == ("s3://truth", "truth")


def test_a_model_maps_to_an_existing_asset_of_the_team_by_name(people, hook, send):
    existing = make_asset(people.owner, people.retail, slug="churn-model", name="Churn model")
    version = register(hook, send, name="churn-model")
    assert version.asset == existing and Asset.objects.count() == 1


def test_by_name_mapping_leaves_unknown_models_unmapped_until_an_admin_maps_them(people, hook, send, api_for):
    hook.connection.mapping = "by_name"
    hook.connection.save()
    number = hook.registry.create_version("mystery")
    send("model_version.created", {"name": "mystery", "version": number, "tags": {}})
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.IGNORED and "not mapped" in delivery.result
    assert not AssetVersion.objects.exists() and RegistryModelLink.objects.get().asset is None
    target = make_asset(people.owner, people.retail, slug="mystery-model")
    link = RegistryModelLink.objects.get()
    admin = api_for(people.admin)
    url = f"/api/v1/integrations/connections/{hook.connection.pk}/models/{link.pk}/map/"
    assert admin.post(url, {"asset": target.slug}, format="json").status_code == 200
    assert AuditEvent.objects.filter(action="registry.model_mapped").exists()
    from governance.integrations.reconcile import reconcile

    reconcile(hook.connection.pk)
    assert AssetVersion.objects.get().asset == target


def test_duplicate_processing_has_no_second_effect(hook, send):
    version = register(hook, send)
    delivery = WebhookDelivery.objects.get()
    assert processing.process(delivery.pk) == "not due or already processed"
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.RECEIVED)
    processing.process(delivery.pk)  # even if re-queued, it converges
    assert AssetVersion.objects.get() == version


def test_out_of_order_alias_before_version_on_an_unapproved_version(people, hook, send):
    number = hook.registry.create_version("fraud-detector")
    hook.registry.models["fraud-detector"]["aliases"]["production"] = number
    send("model_version_alias.created", {"name": "fraud-detector", "alias": "production", "version": number})
    version = AssetVersion.objects.get()
    finding = Finding.objects.get()
    assert finding.source == FindingSource.REGISTRY and finding.severity == "high"
    assert finding.version == version and "not approved" in finding.title
    message = OutboxMessage.objects.get()
    assert [(o.op, o.key, o.value) for o in message.operations.all()] == [
        ("set_tag", "steward.status", "blocked")
    ]
    # The version.created delivery arriving late changes nothing.
    send("model_version.created", {"name": "fraud-detector", "version": number, "tags": {}})
    assert (
        AssetVersion.objects.count() == 1
        and Finding.objects.count() == 1
        and OutboxMessage.objects.count() == 1
    )
    # The same alias reported again (another delivery) raises nothing new.
    send("model_version_alias.created", {"name": "fraud-detector", "alias": "production", "version": number})
    assert Finding.objects.count() == 1


def test_a_production_alias_on_an_approved_version_deploys_it(people, hook, send):
    version = register(hook, send)
    activate(version.asset, people.approver)
    walk_version_to(version, "approved", people)
    hook.registry.models["fraud-detector"]["aliases"]["champion"] = version.registry_link.version
    send("model_version_alias.created", {"name": "fraud-detector", "alias": "champion", "version": "1"})
    version.refresh_from_db()
    assert version.stage == "deployed"
    step = version.transitions.latest("at")
    assert step.actor_kind == "registry" and "champion" in step.reason
    assert not Finding.objects.filter(source=FindingSource.REGISTRY).exists()


def test_moving_the_production_alias_deprecates_the_previous_deployment(people, hook, send):
    first = register(hook, send)
    activate(first.asset, people.approver)
    walk_version_to(first, "approved", people)
    hook.registry.models["fraud-detector"]["aliases"]["production"] = "1"
    send("model_version_alias.created", {"name": "fraud-detector", "alias": "production", "version": "1"})
    second = register(hook, send)
    walk_version_to(second, "approved", people)
    hook.registry.models["fraud-detector"]["aliases"]["production"] = "2"
    send("model_version_alias.created", {"name": "fraud-detector", "alias": "production", "version": "2"})
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.stage, second.stage) == ("deprecated", "deployed")


def test_a_stale_alias_hint_is_checked_against_the_registry(people, hook, send):
    register(hook, send)
    # The event says "production → 1", but by the time Steward reads back the alias is gone.
    send("model_version_alias.created", {"name": "fraud-detector", "alias": "production", "version": "1"})
    assert not Finding.objects.exists()


def test_a_foreign_steward_tag_is_a_finding_and_steward_restores_its_tags(hook, send):
    version = register(hook, send)
    hook.registry.versions[("fraud-detector", "1")]["tags"]["steward.approval"] = "approved"
    send(
        "model_version_tag.set",
        {"name": "fraud-detector", "version": "1", "key": "steward.approval", "value": "approved"},
    )
    finding = Finding.objects.get()
    assert finding.version == version and "steward.approval" in finding.title
    restore = OutboxMessage.objects.get()
    ops = [(o.op, o.key, o.value) for o in restore.operations.all()]
    assert ("set_tag", "steward.stage", "registered") in ops and ("delete_tag", "steward.approval", "") in ops


def test_other_tags_are_not_stewards_business(hook, send):
    register(hook, send)
    send("model_version_tag.set", {"name": "fraud-detector", "version": "1", "key": "team", "value": "x"})
    assert WebhookDelivery.objects.latest("pk").status == DeliveryStatus.IGNORED
    assert not Finding.objects.exists()


def test_stewards_own_write_back_is_recognised_as_an_echo(
    people, hook, send, django_capture_on_commit_callbacks
):
    version = register(hook, send)
    activate(version.asset, people.approver)
    with django_capture_on_commit_callbacks(execute=True):
        walk_version_to(version, "approved", people)
    tags = hook.registry.tags("fraud-detector", "1")
    assert tags["steward.stage"] == "approved"
    for key in ("steward.stage", "steward.approval"):
        send(
            "model_version_tag.set",
            {"name": "fraud-detector", "version": "1", "key": key, "value": tags[key]},
        )
    assert not Finding.objects.exists()
    assert WebhookDelivery.objects.filter(result="echo of Steward's own write").count() == 2


def test_a_registry_outage_during_processing_is_retried_later(hook, send, settings):
    number = hook.registry.create_version("fraud-detector")
    hook.registry.fail_next = 1
    send("model_version.created", {"name": "fraud-detector", "version": number, "tags": {}})
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.RETRY and "503" in delivery.error
    assert not AssetVersion.objects.exists()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=delivery.received_at)
    processing.process(delivery.pk)
    assert WebhookDelivery.objects.get().status == DeliveryStatus.PROCESSED and AssetVersion.objects.exists()


def test_a_delivery_for_a_version_the_registry_no_longer_has_is_ignored(hook, send):
    send(
        "model_version.created",
        {"name": "example_model", "version": "1", "source": "models:/123", "tags": {}},
    )
    assert WebhookDelivery.objects.get().status == DeliveryStatus.IGNORED
    assert not Asset.objects.filter(slug="example-model").exists()
