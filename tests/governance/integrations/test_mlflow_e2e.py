"""End to end against a real MLflow server (3.17.x, SQLite backend, 127.0.0.1) and a real Celery worker.

Registering a model and a version in MLflow makes them appear in Steward (webhook → stored delivery →
worker reads the version back from MLflow); approving in Steward puts Steward's tags on the MLflow
version (outbox → worker → MLflow REST), and the echoes of those writes raise no finding.

MLflow and its many dependencies live in their own virtualenv, `.venv-mlflow`, created here on first
use so they never touch Steward's.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from governance.audit.actors import Actor
from governance.integrations import connections
from governance.integrations.models import DeliveryStatus, WebhookDelivery
from governance.inventory.models import AssetVersion
from governance.oversight.models import Finding, FindingSource
from tests.factories import activate, walk_version_to

pytestmark = [pytest.mark.worker, pytest.mark.slow, pytest.mark.timeout(1200)]

ROOT = Path(__file__).resolve().parents[3]
MLFLOW_VENV = ROOT / ".venv-mlflow"
MLFLOW_VERSION = "3.17.2"  # 3.18.0's pinned mlflow-skinny is not on the index reachable here
FERNET_KEY = "u6b0Zs2Q3kJ3a6wGJ3o2k4o0N6m8eO8m6pX0mZy1c3Q="  # fixed: MLflow encrypts webhook secrets with it
EVENTS = [
    "registered_model.created",
    "model_version.created",
    "model_version_tag.set",
    "model_version_tag.deleted",
    "model_version_alias.created",
    "model_version_alias.deleted",
]


def ensure_mlflow() -> Path:
    mlflow = MLFLOW_VENV / "bin" / "mlflow"
    check = [str(mlflow), "--version"]
    if mlflow.exists() and MLFLOW_VERSION in subprocess.run(check, capture_output=True, text=True).stdout:
        return mlflow
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(MLFLOW_VENV)], check=True)
    subprocess.run(
        [str(MLFLOW_VENV / "bin" / "pip"), "install", "--quiet", f"mlflow=={MLFLOW_VERSION}"],
        check=True,
        timeout=1500,
    )
    return mlflow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(condition, what: str, timeout: float = 90.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


@pytest.fixture(scope="module")
def mlflow_server(tmp_path_factory):
    mlflow = ensure_mlflow()
    workdir = tmp_path_factory.mktemp("mlflow")
    port = free_port()
    env = os.environ | {
        "MLFLOW_WEBHOOK_ALLOWED_SCHEMES": "http,https",
        "MLFLOW_WEBHOOK_ALLOW_PRIVATE_IPS": "true",
        "MLFLOW_WEBHOOK_SECRET_ENCRYPTION_KEY": FERNET_KEY,
    }
    log = (workdir / "mlflow.log").open("w")
    process = subprocess.Popen(
        [
            str(mlflow),
            "server",
            "--backend-store-uri",
            f"sqlite:///{workdir}/mlflow.db",
            "--default-artifact-root",
            str(workdir / "artifacts"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=workdir,
    )
    url = f"http://127.0.0.1:{port}"

    def healthy():
        if process.poll() is not None:
            raise AssertionError((workdir / "mlflow.log").read_text()[-3000:])
        try:
            return httpx.get(f"{url}/health", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    wait_for(healthy, "the MLflow server to start", timeout=120)
    yield url
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def api(url: str, method: str, path: str, **kwargs) -> dict:
    response = httpx.request(method, f"{url}/api/2.0/mlflow/{path}", timeout=30, **kwargs)
    assert response.status_code == 200, response.text
    return response.json()


def test_mlflow_registrations_appear_in_steward_and_approvals_go_back_as_tags(
    mlflow_server, live_server, celery_worker, people, settings
):
    settings.STEWARD_BASE_URL = live_server.url
    created = connections.create_connection(
        actor=Actor.for_user(people.admin),
        name="mlflow-e2e",
        kind="mlflow",
        registry_url=mlflow_server,
        team=people.retail,
        default_owner=people.owner,
        mapping="auto_create",
        production_aliases=["production"],
    )
    connection = created.connection
    # Create the webhook before the flow: MLflow caches each event's webhook list for ~60 s.
    api(
        mlflow_server,
        "POST",
        "webhooks",
        json={
            "name": "steward",
            "url": live_server.url + connection.webhook_path,
            "events": [
                {"entity": e.split(".")[0].upper(), "action": e.split(".")[1].upper()} for e in EVENTS
            ],
            "secret": created.webhook_secret,
            "status": "ACTIVE",
        },
    )
    api(mlflow_server, "POST", "registered-models/create", json={"name": "credit-scorer"})
    number = api(
        mlflow_server,
        "POST",
        "model-versions/create",
        json={"name": "credit-scorer", "source": "s3://steward-e2e/credit-scorer/1", "run_id": ""},
    )["model_version"]["version"]

    version = wait_for(
        lambda: AssetVersion.objects.filter(
            registry_link__model_name="credit-scorer", registry_link__version=number
        ).first(),
        "the version to appear in Steward",
    )
    assert version.stage == "registered" and version.artifact_uri == "s3://steward-e2e/credit-scorer/1"
    assert version.asset.slug == "credit-scorer" and version.asset.stage == "proposed"
    delivery = WebhookDelivery.objects.get(event="model_version.created")
    assert delivery.status == DeliveryStatus.PROCESSED and delivery.headers["X-MLflow-Signature"].startswith(
        "v1,"
    )

    activate(version.asset, people.approver)
    walk_version_to(version, "approved", people)

    def tags():
        body = api(
            mlflow_server, "GET", "model-versions/get", params={"name": "credit-scorer", "version": number}
        )
        return {t["key"]: t["value"] for t in body["model_version"].get("tags", [])}

    seen = wait_for(
        lambda: (t := tags()).get("steward.stage") == "approved" and t, "Steward's tags in MLflow"
    )
    assert seen["steward.approval"].startswith("approved in Steward on ")
    assert seen["steward.approval"].endswith(version.get_absolute_url())

    # MLflow fires webhooks for Steward's own tag writes; they are recognised as echoes.
    wait_for(
        lambda: (
            WebhookDelivery.objects.filter(
                event="model_version_tag.set", status=DeliveryStatus.IGNORED
            ).count()
            >= 2
        ),
        "the echoes of Steward's write-back",
    )
    assert set(
        WebhookDelivery.objects.filter(event="model_version_tag.set").values_list("result", flat=True)
    ) == {"echo of Steward's own write"}
    assert not Finding.objects.filter(source=FindingSource.REGISTRY).exists()
