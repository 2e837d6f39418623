from django.db import transaction

from governance.audit.actors import Actor
from governance.audit.event_types import AuditAction
from governance.audit.ledger import record_event
from governance.audit.verification import verify_chain


def test_a_fresh_chain_starts_with_genesis_and_verifies(db):
    with transaction.atomic():
        event = record_event(AuditAction.USER_UPDATED, actor=Actor.system("t"), payload={"x": 1})
    assert event.seq == 2
    report = verify_chain()
    assert report.ok and report.size == 2


def test_transactional_tests_can_flush_the_ledger(transactional_db):
    with transaction.atomic():
        record_event(AuditAction.USER_UPDATED, actor=Actor.system("t"), payload={})
    assert verify_chain().size == 2


def test_people_fixture(people):
    assert people.owner.has_role("owner")
    assert verify_chain().ok
