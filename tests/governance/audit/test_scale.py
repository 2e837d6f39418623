"""Concurrent appends make one linear chain; a 100,000-event chain verifies quickly."""

from __future__ import annotations

import json
import threading
import time

import pytest
from django.db import connection, transaction

from governance.audit.actors import Actor
from governance.audit.checkpoints import write_checkpoint
from governance.audit.event_types import AuditAction
from governance.audit.ledger import record_event
from governance.audit.models import AuditEvent
from governance.audit.verification import INTACT, verify_chain
from tests.governance.audit.conftest import append, extend_chain

THREADS, APPENDS = 8, 500


@pytest.mark.slow
def test_8_threads_x_500_appends_make_one_linear_chain(transactional_db):
    """Each thread has its own connection and appends in a transaction per event, all at once."""
    start = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        actor = Actor.system(f"writer-{n}")
        try:
            start.wait()
            for i in range(APPENDS):
                with transaction.atomic():
                    record_event(AuditAction.USER_UPDATED, actor=actor, payload={"writer": n, "i": i})
        except BaseException as exc:  # surfaced in the main thread below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert not any(t.is_alive() for t in threads)

    total = THREADS * APPENDS + 1  # and the genesis event, made exactly once
    rows = [
        (seq, moment, name, json.loads(canonical)["payload"].get("i"))
        for seq, moment, name, canonical in AuditEvent.objects.order_by("seq").values_list(
            "seq", "time", "actor_name", "canonical"
        )
    ]
    assert [r[0] for r in rows] == list(range(1, total + 1))
    assert AuditEvent.objects.filter(action=AuditAction.LEDGER_GENESIS).count() == 1
    times = [r[1] for r in rows]
    assert times == sorted(times)
    for n in range(THREADS):  # every writer's events are all there, in the order it wrote them
        assert [r[3] for r in rows if r[2] == f"writer-{n}"] == list(range(APPENDS))
    report = verify_chain()
    assert report.ok and report.size == total


@pytest.mark.slow
def test_an_untouched_chain_of_100000_events_verifies(db):
    append(1)
    extend_chain(100_000 - 2)
    assert AuditEvent.objects.count() == 100_000
    checkpoint = write_checkpoint()
    assert checkpoint.size == 100_000
    started = time.perf_counter()
    report = verify_chain()
    elapsed = time.perf_counter() - started
    assert report.status == INTACT and report.size == 100_000 and report.first_bad_seq is None
    assert [c.ok for c in report.checkpoints] == [True, True]
    assert elapsed < 20, f"verifying 100,000 events took {elapsed:.1f} s"


@pytest.mark.slow
def test_an_append_waiting_for_the_lock_sees_the_event_committed_meanwhile(transactional_db):
    """The head is read after the lock is granted, so a waiting writer continues from the new head."""
    append(1)  # seq 1 (genesis) and 2
    holding, release = threading.Event(), threading.Event()
    seqs: dict[str, int] = {}

    def first() -> None:
        try:
            with transaction.atomic():
                seqs["first"] = record_event(
                    AuditAction.USER_UPDATED, actor=Actor.system("a"), payload={}
                ).seq
                holding.set()
                release.wait(20)
        finally:
            connection.close()

    def second() -> None:
        try:
            holding.wait(20)
            with transaction.atomic():
                seqs["second"] = record_event(
                    AuditAction.USER_UPDATED, actor=Actor.system("b"), payload={}
                ).seq
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 20
    with connection.cursor() as cursor:  # wait until the second writer is queued on the append lock
        while time.monotonic() < deadline:
            cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
            if cursor.fetchone()[0]:
                break
            time.sleep(0.02)
        else:
            pytest.fail("the second writer never waited for the append lock")
    release.set()
    for thread in threads:
        thread.join(timeout=30)
    assert seqs == {"first": 3, "second": 4}
    assert verify_chain().ok
