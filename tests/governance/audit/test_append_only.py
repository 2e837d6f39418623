"""The ledger is append-only in PostgreSQL itself: the triggers refuse UPDATE, DELETE and TRUNCATE."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from governance.audit.checkpoints import write_checkpoint
from governance.audit.models import AuditEvent, Checkpoint
from governance.audit.verification import verify_chain

REFUSED = "the audit ledger is append-only"


def refused(action, match: str = REFUSED) -> None:
    with pytest.raises(DatabaseError, match=match), transaction.atomic():
        action()


def raw(statement: str, params=None):
    def run():
        with connection.cursor() as cursor:
            cursor.execute(statement, params or [])

    return run


def test_orm_save_and_delete_raise_type_error(chain):
    event = AuditEvent.objects.get(seq=5)
    with pytest.raises(TypeError, match="appended through"):
        event.save()
    with pytest.raises(TypeError, match="never deleted"):
        event.delete()
    checkpoint = write_checkpoint()
    with pytest.raises(TypeError, match="written by"):
        checkpoint.save()
    with pytest.raises(TypeError, match="never deleted"):
        checkpoint.delete()


def test_orm_queryset_update_and_delete_are_refused_by_the_trigger(chain):
    refused(lambda: AuditEvent.objects.filter(seq=5).update(canonical="{}"), "UPDATE on audit_auditevent")
    refused(lambda: AuditEvent.objects.filter(seq__gte=20).delete(), "DELETE on audit_auditevent")
    refused(lambda: AuditEvent.objects.all().delete(), "DELETE on audit_auditevent")
    write_checkpoint()
    refused(lambda: Checkpoint.objects.update(signed_at=timezone.now()), "UPDATE on audit_checkpoint")
    refused(lambda: Checkpoint.objects.all().delete(), "DELETE on audit_checkpoint")
    assert AuditEvent.objects.count() == 30 and verify_chain().ok


@pytest.mark.parametrize("table", ["audit_auditevent", "audit_checkpoint"])
def test_raw_sql_update_delete_and_truncate_are_refused_even_for_the_owner(chain, table):
    write_checkpoint()
    column = "seq" if table == "audit_auditevent" else "id"
    refused(raw(f"UPDATE {table} SET {column} = {column} + 100"), f"UPDATE on {table}")  # noqa: S608
    refused(raw(f"DELETE FROM {table}"), f"DELETE on {table}")  # noqa: S608
    refused(raw(f"TRUNCATE {table}"), f"TRUNCATE on {table}")
    refused(raw(f"TRUNCATE {table} CASCADE"), f"TRUNCATE on {table}")
    assert AuditEvent.objects.count() == 30 and Checkpoint.objects.count() == 1
    assert verify_chain().ok


def test_the_triggers_fire_even_in_replica_mode(chain):
    """ENABLE ALWAYS: session_replication_role = replica (used to skip triggers on restore) does not help."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
        refused(raw("DELETE FROM audit_auditevent WHERE seq = 30"), "DELETE on audit_auditevent")
    assert AuditEvent.objects.count() == 30


def test_the_refusal_is_reported_as_insufficient_privilege(chain):
    with pytest.raises(DatabaseError) as caught, transaction.atomic():
        raw("DELETE FROM audit_auditevent WHERE seq = 30")()
    assert caught.value.__cause__.pgcode == "42501"
