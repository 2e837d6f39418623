"""Connection pages: administrators manage, compliance reads, others are kept out; the secret shows once."""

from __future__ import annotations

from governance.integrations.models import OutboxMessage, OutboxStatus, RegistryConnection
from governance.inventory.models import AssetVersion

FORM = {
    "name": "mlflow-prod",
    "kind": "mlflow",
    "registry_url": "https://mlflow.example.com",
    "callback_auth": "bearer",
    "callback_token": "tok",
    "team": "",
    "default_owner": "",
    "mapping": "auto_create",
    "default_ai_act_category": "high",
    "default_materiality_tier": "1",
    "production_aliases": "production, champion",
    "approved_alias": "",
    "enabled": "on",
}


def test_an_admin_creates_a_connection_and_sees_the_secret_once(people, web_for):
    client = web_for(people.admin)
    assert client.get("/integrations/new/").status_code == 200
    response = client.post(
        "/integrations/new/", FORM | {"team": people.retail.pk, "default_owner": people.owner.pk}
    )
    connection = RegistryConnection.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/integrations/{connection.pk}/"
    assert connection.production_aliases == ["production", "champion"]
    page = client.get(response["Location"]).content.decode()
    assert "copy it now" in page and "whs_" in page and connection.webhook_url in page
    assert "whs_" not in client.get(response["Location"]).content.decode()


def test_a_bad_form_keeps_what_was_typed_and_names_the_field(people, web_for):
    client = web_for(people.admin)
    response = client.post(
        "/integrations/new/",
        FORM | {"registry_url": "", "team": people.retail.pk, "default_owner": people.owner.pk},
    )
    assert response.status_code == 400 and "registry" in response.content.decode().lower()
    assert not RegistryConnection.objects.exists()


def test_compliance_reads_others_are_kept_out(people, web_for, hook):
    url = f"/integrations/{hook.connection.pk}/"
    compliance = web_for(people.compliance)
    page = compliance.get(url)
    assert page.status_code == 200 and "Edit settings" not in page.content.decode()
    assert compliance.get(f"{url}edit/").status_code == 403
    assert compliance.post(f"{url}rotate-secret/").status_code == 403
    owner = web_for(people.owner)
    assert owner.get("/integrations/").status_code == 403
    assert owner.get(url).status_code == 404


def test_the_version_page_shows_the_registry_panel(people, web_for, hook, django_capture_on_commit_callbacks):
    hook.registry.create_version("fraud-detector")
    with django_capture_on_commit_callbacks(execute=True):
        hook.send("model_version.created", {"name": "fraud-detector", "version": "1", "tags": {}})
    version = AssetVersion.objects.get()
    page = web_for(people.owner).get(version.get_absolute_url()).content.decode()
    assert "Registry" in page and "fraud-detector version 1" in page


def test_an_admin_retries_a_failed_callback_from_the_page(
    people, web_for, hook, django_capture_on_commit_callbacks
):
    from tests.factories import activate, walk_version_to

    hook.registry.create_version("fraud-detector")
    with django_capture_on_commit_callbacks(execute=True):
        hook.send("model_version.created", {"name": "fraud-detector", "version": "1", "tags": {}})
    version = AssetVersion.objects.get()
    activate(version.asset, people.approver)
    walk_version_to(version, "approved", people)
    message = OutboxMessage.objects.get()
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=OutboxStatus.FAILED, last_error="HTTP 403 PERMISSION_DENIED"
    )
    client = web_for(people.admin)
    page = client.get(f"/integrations/{hook.connection.pk}/").content.decode()
    assert "PERMISSION_DENIED" in page and "Retry" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/integrations/{hook.connection.pk}/callbacks/{message.pk}/retry/")
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT
