"""The application role (DESIGN §4): after `grant_app_role` it may read and append to the ledger, nothing more.

A real PostgreSQL role is created for the test, granted by the command (run as the owner, like a
deployment does after migrate), and used over its own psycopg2 connection.
"""

from __future__ import annotations

import json
import secrets
from io import StringIO

import psycopg2
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from governance.audit.hashing import canonical_json, leaf_hash, link_hash
from governance.audit.ledger import chain_head
from governance.audit.verification import verify_chain
from tests.factories import make_asset
from tests.governance.audit.conftest import append, event_body, stored


def owner_sql(statement: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement)


@pytest.fixture
def app_role(transactional_db):
    """A fresh login role, unique per run (roles are cluster-wide), dropped with its privileges afterwards."""
    name = f"steward_app_test_{secrets.token_hex(4)}"
    owner_sql(f'CREATE ROLE "{name}" LOGIN NOSUPERUSER')
    yield name
    owner_sql(f'DROP OWNED BY "{name}"')
    owner_sql(f'DROP ROLE "{name}"')


@pytest.fixture
def connect_as(app_role):
    opened = []

    def connect():
        db = connection.settings_dict
        conn = psycopg2.connect(
            dbname=db["NAME"], user=app_role, host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432
        )
        conn.autocommit = True
        opened.append(conn)
        return conn.cursor()

    yield connect
    for conn in opened:
        conn.close()


def denied(cursor, statement: str, params=None, match: str = "permission denied") -> None:
    with pytest.raises(psycopg2.Error, match=match):
        cursor.execute(statement, params)


def next_event(payload) -> tuple[int, str, bytes, bytes]:
    head = chain_head()
    time = json.loads(stored(head.size)[0])["time"]
    canonical = canonical_json(
        event_body(chain_id=head.chain_id, seq=head.size + 1, time=time, payload=payload)
    )
    leaf = leaf_hash(canonical)
    return head.size + 1, canonical.decode(), leaf, link_hash(head.link, leaf)


def test_the_application_role_may_append_but_never_change_the_ledger(people, app_role, connect_as):
    asset = make_asset(people.owner, people.retail)
    append(3)
    out = StringIO()
    call_command("grant_app_role", app_role, stdout=out)
    assert "SELECT, INSERT only on audit_auditevent, audit_checkpoint" in out.getvalue()
    cursor = connect_as()

    # It appends the way record_event does: the append lock, then an INSERT with the generated columns.
    cursor.execute("BEGIN")
    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [0x53746577617264])
    cursor.execute(
        "INSERT INTO audit_auditevent (seq, canonical, leaf, link) VALUES (%s, %s, %s, %s)",
        next_event({"by": "app role"}),
    )
    cursor.execute("COMMIT")
    cursor.execute("SELECT count(*), max(seq) FROM audit_auditevent")
    count, head = cursor.fetchone()
    assert head == count and verify_chain().ok

    denied(cursor, "UPDATE audit_auditevent SET canonical = canonical WHERE seq = 1")
    denied(cursor, "DELETE FROM audit_auditevent WHERE seq = %s", [head])
    denied(cursor, "TRUNCATE audit_auditevent")
    denied(cursor, "UPDATE audit_checkpoint SET size = 0")
    denied(cursor, "DELETE FROM audit_checkpoint")
    denied(cursor, "TRUNCATE audit_checkpoint")
    denied(cursor, "ALTER TABLE audit_auditevent DISABLE TRIGGER USER", match="must be owner")
    denied(cursor, "DROP TABLE audit_auditevent", match="must be owner")

    # ...while the rest of Steward stays writable.
    cursor.execute("UPDATE inventory_asset SET vendor = 'Acme' WHERE id = %s", [asset.pk])
    assert cursor.rowcount == 1
    cursor.execute("DELETE FROM accounts_team WHERE slug = 'no-such-team'")
    cursor.execute("SELECT count(*) FROM django_migrations")
    denied(cursor, "DELETE FROM django_migrations")
    assert verify_chain().ok and verify_chain().size == head


def test_granting_is_idempotent_and_removes_broader_grants_on_the_ledger(app_role, connect_as):
    append(1)
    owner_sql(f'GRANT ALL ON audit_auditevent, audit_checkpoint TO "{app_role}"')
    call_command("grant_app_role", app_role, stdout=StringIO())
    call_command("grant_app_role", app_role, stdout=StringIO())
    cursor = connect_as()
    denied(cursor, "DELETE FROM audit_auditevent")
    denied(cursor, "TRUNCATE audit_checkpoint")
    cursor.execute("SELECT count(*) FROM audit_auditevent")
    assert cursor.fetchone() == (2,)


def test_a_role_that_inherits_write_access_is_refused(app_role):
    owner_sql(f'GRANT pg_write_all_data TO "{app_role}"')
    with pytest.raises(CommandError, match="still holds UPDATE on audit_auditevent"):
        call_command("grant_app_role", app_role, stdout=StringIO())
    owner_sql(f'REVOKE pg_write_all_data FROM "{app_role}"')


def test_dry_run_prints_the_statements_and_changes_nothing(app_role):
    out = StringIO()
    call_command("grant_app_role", app_role, "--dry-run", stdout=out)
    text = out.getvalue()
    assert f'GRANT SELECT, INSERT ON TABLE "audit_auditevent" TO "{app_role}";' in text
    assert f'GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE "inventory_asset" TO "{app_role}";' in text
    with connection.cursor() as cursor:
        cursor.execute("SELECT has_table_privilege(%s, 'inventory_asset', 'SELECT')", [app_role])
        assert cursor.fetchone() == (False,)


def test_unknown_and_superuser_roles_are_refused(db):
    with pytest.raises(CommandError, match="does not exist"):
        call_command("grant_app_role", "no_such_role_here", stdout=StringIO())
    with pytest.raises(CommandError, match="superuser"):
        call_command("grant_app_role", "postgres", stdout=StringIO())


def test_it_refuses_sqlite_with_a_clear_message(db, monkeypatch):
    monkeypatch.setattr(connection, "vendor", "sqlite")
    with pytest.raises(CommandError, match="needs PostgreSQL; this database is sqlite"):
        call_command("grant_app_role", "steward_app", stdout=StringIO())
