"""Decisions back out: outbox rows in the decision's transaction, ordered sends, retries, failures, aliases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from governance.audit.actors import Actor
from governance.integrations import outbox
from governance.integrations.models import OutboxMessage, OutboxStatus
from governance.integrations.tasks import sweep_integrations
from governance.inventory.models import AssetVersion
from lifecycle.transitions import transition
from tests.factories import activate, walk_version_to


@pytest.fixture
def linked(people, hook, django_capture_on_commit_callbacks) -> AssetVersion:
    """A version registered from MLflow (fake), its asset active."""
    number = hook.registry.create_version("fraud-detector")
    with django_capture_on_commit_callbacks(execute=True):
        hook.send("model_version.created", {"name": "fraud-detector", "version": number, "tags": {}})
    version = AssetVersion.objects.get()
    activate(version.asset, people.approver)
    return version


def ops(message: OutboxMessage) -> list[tuple[str, str, str]]:
    return [(o.op, o.key, o.value) for o in message.operations.all()]


def test_approval_writes_the_outbox_in_its_transaction_and_the_task_tags_the_version(
    people, hook, linked, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        walk_version_to(linked, "approved", people)
    message = OutboxMessage.objects.get(reason="version approved")
    assert message.transition == linked.transitions.latest("at")
    assert message.status == OutboxStatus.SENT and message.attempts == 1
    tags = hook.registry.tags("fraud-detector", "1")
    assert tags["steward.stage"] == "approved"
    assert tags["steward.approval"].startswith("approved in Steward on ")
    assert f"/{linked.pk}" in tags["steward.approval"]  # a link to the version's page
    assert all(call[2]["_auth"] == "Bearer mlflow-token" for call in hook.registry.writes())


def test_no_outbox_row_survives_a_rolled_back_decision(people, hook, linked):
    walk_version_to(linked, "approved", people)
    before = OutboxMessage.objects.count()

    def decide_then_fail() -> None:
        with transaction.atomic():
            transition(linked, "deployed", actor=Actor.for_user(people.owner))
            assert OutboxMessage.objects.count() == before + 1
            raise RuntimeError("the decision's transaction fails after the listener ran")

    with pytest.raises(RuntimeError):
        decide_then_fail()
    assert OutboxMessage.objects.count() == before


def test_unlinked_versions_write_no_outbox(people):
    from tests.factories import make_asset, make_version

    version = make_version(make_asset(people.owner, people.retail))
    walk_version_to(version, "approved", people)
    assert not OutboxMessage.objects.exists()


def test_aliases_follow_the_connection_settings(people, hook, linked, django_capture_on_commit_callbacks):
    hook.connection.approved_alias = "approved"
    hook.connection.manage_production_alias = True
    hook.connection.save()
    with django_capture_on_commit_callbacks(execute=True):
        walk_version_to(linked, "deployed", people)
    assert hook.registry.aliases("fraud-detector") == {"approved": "1", "production": "1"}
    with django_capture_on_commit_callbacks(execute=True):
        transition(linked, "suspended", actor=Actor.for_user(people.approver), reason="drift")
    assert hook.registry.aliases("fraud-detector") == {}
    assert hook.registry.tags("fraud-detector", "1")["steward.stage"] == "suspended"


def test_a_failed_send_is_retried_with_backoff_then_succeeds(
    people, hook, linked, django_capture_on_commit_callbacks, settings
):
    hook.registry.fail_next = 1
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        walk_version_to(linked, "approved", people)
    message = OutboxMessage.objects.get()
    assert message.status == OutboxStatus.PENDING and message.attempts == 1 and "503" in message.last_error
    assert message.next_attempt_at > timezone.now() + timedelta(
        seconds=settings.STEWARD_OUTBOX_BACKOFF_SECONDS - 5
    )
    assert outbox.send(message.pk).startswith("not due")  # the backoff holds
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now() - timedelta(minutes=5))
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep_integrations()["outbox"] == 1  # the beat sweeper re-queues it
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT and message.attempts == 2 and message.last_error == ""
    assert callbacks


def test_after_the_last_attempt_the_failure_is_visible_and_an_admin_retries(
    people, hook, linked, api_for, django_capture_on_commit_callbacks, settings
):
    settings.STEWARD_OUTBOX_MAX_ATTEMPTS = 2
    hook.registry.fail_next = 10
    with django_capture_on_commit_callbacks(execute=True):
        walk_version_to(linked, "approved", people)
    message = OutboxMessage.objects.get()
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    outbox.send(message.pk)
    message.refresh_from_db()
    assert message.status == OutboxStatus.FAILED and message.attempts == 2
    admin = api_for(people.admin)
    detail = admin.get(f"/api/v1/integrations/connections/{hook.connection.pk}/").json()
    assert detail["failed_callbacks"] == 1
    listed = admin.get(f"/api/v1/integrations/connections/{hook.connection.pk}/outbox/").json()["results"]
    assert listed[0]["status"] == "failed" and "503" in listed[0]["last_error"]
    hook.registry.fail_next = 0
    url = f"/api/v1/integrations/connections/{hook.connection.pk}/outbox/{message.pk}/retry/"
    assert api_for(people.compliance).post(url).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(url)
    assert response.status_code == 200
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT
    assert admin.post(url).status_code == 409  # nothing left to retry


def test_a_permanent_registry_error_fails_at_once(people, hook, linked, django_capture_on_commit_callbacks):
    del hook.registry.versions[("fraud-detector", "1")]  # deleted in MLflow meanwhile
    with django_capture_on_commit_callbacks(execute=True):
        walk_version_to(linked, "approved", people)
    message = OutboxMessage.objects.get()
    assert message.status == OutboxStatus.FAILED and message.attempts == 1
    assert "RESOURCE_DOES_NOT_EXIST" in message.last_error


def test_messages_of_one_version_are_sent_in_order(people, hook, linked, django_capture_on_commit_callbacks):
    hook.registry.fail_next = 1
    with django_capture_on_commit_callbacks(execute=True):
        walk_version_to(linked, "deployed", people)  # approved (fails once), then deployed
    first, second = OutboxMessage.objects.order_by("pk")
    assert first.status == OutboxStatus.PENDING and second.status == OutboxStatus.PENDING
    assert outbox.send(second.pk).startswith("not due")  # waits for the earlier message
    OutboxMessage.objects.filter(pk=first.pk).update(next_attempt_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        outbox.send(first.pk)
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {OutboxStatus.SENT}
    assert hook.registry.tags("fraud-detector", "1")["steward.stage"] == "deployed"


def test_a_worker_that_died_mid_send_is_picked_up_after_its_lease(
    people, hook, linked, django_capture_on_commit_callbacks
):
    walk_version_to(linked, "approved", people)  # callbacks not run: the message is pending
    message = OutboxMessage.objects.get()
    assert outbox.claim(message.pk) is not None  # a worker claims it, then dies
    assert outbox.send(message.pk).startswith("not due")
    OutboxMessage.objects.filter(pk=message.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        sweep_integrations()
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT
