"""Shared fixtures: personas (every test is an access-control test), API clients, ledger cleaning.

Personas (DESIGN §1): two owners in the retail-credit team, a validator in model-risk validation,
two approvers in the risk committee (plus one approver inside the owning team), a compliance
officer, an admin and an outsider owning assets in another team.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from governance.accounts import services as accounts
from governance.accounts.models import Team, User
from governance.audit.actors import Actor

SYSTEM = Actor.system("tests")
PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="session", autouse=True)
def _clean_ledger_as_owner():
    """Let Django's flush truncate the ledger in transactional tests.

    The triggers refuse TRUNCATE for everyone; tests that must clean tables do it as the owner,
    disabling the truncate trigger for the flush only and re-enabling it (ENABLE ALWAYS) at once.
    """
    from django.db.backends.postgresql.operations import DatabaseOperations

    original = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        statements = original(
            self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
        )
        ledger = [t for t in ("audit_auditevent", "audit_checkpoint") if t in tables]
        if not statements or not ledger:
            return statements
        disable = [f"ALTER TABLE {t} DISABLE TRIGGER {t}_no_truncate;" for t in ledger]
        enable = [f"ALTER TABLE {t} ENABLE ALWAYS TRIGGER {t}_no_truncate;" for t in ledger]
        return disable + statements + enable

    DatabaseOperations.sql_flush = sql_flush
    yield
    DatabaseOperations.sql_flush = original


@pytest.fixture(scope="session", autouse=True)
def _checkpoint_keys():
    """A signing key pair for the test session (pytest-django runs with DEBUG off, so none is made)."""
    from pathlib import Path

    from django.conf import settings

    from governance.audit.keys import generate_key_pair

    private = Path(settings.STEWARD_CHECKPOINT_KEY_FILE)
    if not private.exists():
        generate_key_pair(private, Path(settings.STEWARD_CHECKPOINT_PUBLIC_KEY_FILE))


@pytest.fixture(autouse=True)
def _private_checkpoint_dir(settings, tmp_path):
    """Each test writes external checkpoints to its own directory."""
    settings.STEWARD_CHECKPOINT_DIR = str(tmp_path / "checkpoints")


@dataclass
class People:
    retail: Team
    validation: Team
    committee: Team
    marketing: Team
    owner: User
    owner2: User
    validator: User
    validator2: User
    approver: User
    approver2: User
    approver3: User
    team_approver: User
    compliance: User
    admin: User
    outsider: User

    def actor(self, user: User) -> Actor:
        return Actor.for_user(user)


def make_user(username: str, roles: list[str], teams: list[Team]) -> User:
    return accounts.create_user(
        actor=SYSTEM,
        username=username,
        email=f"{username}@example.test",
        full_name=username.title(),
        password=PASSWORD,
        roles=roles,
        teams=teams,
    )


@pytest.fixture
def people(db) -> People:
    retail = accounts.create_team(actor=SYSTEM, slug="retail-credit", name="Retail Credit")
    validation = accounts.create_team(actor=SYSTEM, slug="model-validation", name="Model Validation")
    committee = accounts.create_team(
        actor=SYSTEM, slug="risk-committee", name="Risk Committee", is_risk_committee=True
    )
    marketing = accounts.create_team(actor=SYSTEM, slug="marketing", name="Marketing Analytics")
    return People(
        retail=retail,
        validation=validation,
        committee=committee,
        marketing=marketing,
        owner=make_user("olivia", ["owner"], [retail]),
        owner2=make_user("omar", ["owner"], [retail]),
        validator=make_user("victor", ["validator"], [validation]),
        validator2=make_user("vera", ["validator"], [validation]),
        approver=make_user("alice", ["approver"], [committee]),
        approver2=make_user("amir", ["approver"], [committee]),
        approver3=make_user("anna", ["approver"], [committee]),
        team_approver=make_user("tom", ["approver"], [retail]),
        compliance=make_user("carla", ["compliance"], []),
        admin=make_user("adam", ["admin"], []),
        outsider=make_user("xena", ["owner"], [marketing]),
    )


@pytest.fixture
def api_for(db):
    """api_for(user, scope="write") → an APIClient authenticated with a fresh bearer token."""

    def make(user: User, scope: str = "write") -> APIClient:
        issued = accounts.create_token(
            actor=Actor.for_user(user), user=user, name=f"test {scope}", scope=scope
        )
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.secret}")
        client.token = issued.token
        return client

    return make


@pytest.fixture
def web_for(client):
    """web_for(user) → the Django test client logged in as `user`."""

    def make(user: User):
        client.force_login(user)
        return client

    return make


class WorkerProcess:
    """A real `celery worker` subprocess on the test broker and the test database."""

    def __init__(self, process: subprocess.Popen, log: Path) -> None:
        self.process = process
        self.log = log

    def kill(self) -> None:
        """SIGKILL the worker (no warm shutdown): for crash-recovery tests."""
        self.process.kill()
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()


def start_worker(log_dir: Path, *, concurrency: int = 2, name: str = "test") -> WorkerProcess:
    """Start a worker against the current test database and TEST_CELERY_BROKER_URL; wait until it answers."""
    from django.conf import settings
    from django.db import connection

    from governance.celery import app

    db = connection.settings_dict
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "STEWARD_TEST_WORKER": "1",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "STEWARD_TEST_DIR": os.environ["STEWARD_TEST_DIR"],
    }
    log = log_dir / f"celery-{name}-{int(time.time() * 1000)}.log"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "governance",
            "worker",
            "-l",
            "info",
            "-Q",
            settings.CELERY_TASK_DEFAULT_QUEUE,
            "-c",
            str(concurrency),
            "-n",
            f"{name}-{os.getpid()}@%h",
            "--without-gossip",
            "--without-mingle",
        ],
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        cwd=Path(__file__).resolve().parent.parent,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"celery worker exited early:\n{log.read_text()[-3000:]}")
        if app.control.ping(timeout=0.5, destination=[f"{name}-{os.getpid()}@{os.uname().nodename}"]):
            return WorkerProcess(process, log)
    process.kill()
    raise RuntimeError(f"celery worker did not answer within 60 s:\n{log.read_text()[-3000:]}")


@pytest.fixture
def celery_worker(transactional_db, tmp_path):
    """A real Celery worker on Redis for end-to-end task tests.

    The test process stops running tasks eagerly and publishes to the test broker, so tasks run
    exactly as in production: in another process, after commit, from the queue.
    """
    from governance.celery import app

    app.conf.update(task_always_eager=False)
    with app.connection_for_write() as conn:  # start from an empty queue
        conn.default_channel.queue_purge(app.conf.task_default_queue)
    worker = start_worker(tmp_path)
    yield worker
    worker.stop()
    app.conf.update(task_always_eager=True)
