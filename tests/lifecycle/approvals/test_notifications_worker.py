"""End to end: a decision's email is sent by the real Celery worker after commit.

The worker is another process, so the locmem outbox is out of reach: the test waits for the
Notification rows (the job rows) to be marked sent by the worker.
"""

from __future__ import annotations

import time

import pytest

from lifecycle.approvals.queries import open_request
from lifecycle.models import Notification
from tests.lifecycle.approvals.conftest import sign, validated_version


@pytest.mark.worker
def test_the_worker_sends_decision_emails_after_commit(people, celery_worker):
    version = validated_version(people)  # transactional: every step commits and enqueues
    last = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    sign(people.approver, open_request(version))
    ours = Notification.objects.filter(pk__gt=last, kind="request_decided")
    assert ours.exists()
    deadline = time.monotonic() + 30
    while ours.exclude(status="sent").exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not ours.exclude(status="sent").exists(), celery_worker.log.read_text()[-3000:]
    assert all(n.sent_at is not None and n.attempts == 1 for n in ours)
