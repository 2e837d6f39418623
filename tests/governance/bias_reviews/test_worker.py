"""End to end on a real Celery worker: the upload enqueues the computation on commit, another process
computes the metrics from storage, records them and purges the file."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from governance.audit.actors import Actor
from governance.audit.models import AuditEvent
from governance.bias_reviews import predictions, services
from governance.bias_reviews.models import PredictionsFile
from tests.factories import make_asset, make_version, walk_version_to
from tests.governance.bias_reviews.test_fairness import as_csv, generated


@pytest.fixture
def private_media():
    """The worker reads the session's media directory, so this test keeps the shared one."""
    return Path(settings.MEDIA_ROOT)


def wait_for(job_id: int, statuses: set[str], seconds: float = 60) -> PredictionsFile:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job = PredictionsFile.objects.get(pk=job_id)
        if job.status in statuses and job.purged_at is not None:
            return job
        time.sleep(0.25)
    return PredictionsFile.objects.get(pk=job_id)


@pytest.mark.worker
def test_the_worker_computes_records_and_purges(people, celery_worker):
    version = walk_version_to(make_version(make_asset(people.owner, people.retail)), "in_validation", people)
    validator = Actor.for_user(people.validator)
    review = services.create_bias_review(
        actor=validator,
        version=version,
        protected_attributes=["sex", "age_band"],
        evaluation_data="Hold-out sample.",
    )
    job = predictions.upload_predictions(
        actor=validator,
        review=review,
        file=SimpleUploadedFile("predictions.csv", as_csv(generated(20_000)).getvalue()),
        columns={},
    )
    stored = Path(settings.MEDIA_ROOT) / job.file.name
    assert stored.exists()  # committed and queued; the worker has it now
    done = wait_for(job.pk, {"succeeded", "failed"})
    assert done.status == "succeeded", (done.error, celery_worker.log.read_text()[-3000:])
    assert done.row_count == 20_000 and done.purged_at is not None and not stored.exists()
    review.refresh_from_db()
    assert review.metrics_source == "computed" and review.results.count() == 3
    assert AuditEvent.objects.filter(
        action="bias_review.predictions_purged", object_id=str(review.pk)
    ).exists()


@pytest.mark.worker
def test_a_bad_file_fails_in_the_worker_with_its_reason(people, celery_worker):
    version = walk_version_to(make_version(make_asset(people.owner, people.retail)), "in_validation", people)
    validator = Actor.for_user(people.validator)
    review = services.create_bias_review(
        actor=validator, version=version, protected_attributes=["sex"], evaluation_data="Hold-out sample."
    )
    job = predictions.upload_predictions(
        actor=validator,
        review=review,
        file=SimpleUploadedFile("p.csv", b"y_true,y_pred,sex\n1,0,f\n0,1,\n"),
        columns={},
    )
    done = wait_for(job.pk, {"failed", "succeeded"})
    assert done.status == "failed" and "sex has 1 empty value" in done.error, celery_worker.log.read_text()[
        -3000:
    ]
    review.refresh_from_db()
    assert review.metrics_source == ""
