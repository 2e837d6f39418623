"""The real-worker fixture itself: a task enqueued on commit runs in the worker against the test DB."""

import time

import pytest
from django.db import transaction

from governance.audit.models import Checkpoint
from governance.audit.tasks import write_checkpoint_task
from tests.factories import make_asset


@pytest.mark.worker
def test_a_task_runs_in_the_real_worker(people, celery_worker):
    make_asset(people.owner, people.retail)
    with transaction.atomic():
        transaction.on_commit(lambda: write_checkpoint_task.delay())
    deadline = time.monotonic() + 30
    while not Checkpoint.objects.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert Checkpoint.objects.exists(), celery_worker.log.read_text()[-2000:]
