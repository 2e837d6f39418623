"""Celery tasks for reports: thin, id-only, idempotent (the row's claim decides who renders)."""

from __future__ import annotations

import contextlib
from typing import Any

from celery import shared_task
from celery.signals import worker_process_init
from django.conf import settings

from governance.reports import jobs, pipeline


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=pipeline.TRANSIENT_ERRORS,
    retry_backoff=5,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=5,
    soft_time_limit=settings.STEWARD_REPORT_SOFT_TIME_LIMIT,
    time_limit=settings.STEWARD_REPORT_HARD_TIME_LIMIT,
)
def render_report_task(self: Any, report_id: str) -> str:
    """Render report `report_id` if its row can be claimed; a no-op for finished or held rows."""
    return pipeline.run(report_id)


@shared_task
def sweep_stale_reports_task() -> int:
    """Re-enqueue reports no live worker holds (lost message, dead worker); returns how many."""
    ids = jobs.stale_report_ids()
    for report_id in ids:
        render_report_task.delay(str(report_id))
    return len(ids)


@worker_process_init.connect
def _warm_up(**kwargs: Any) -> None:
    """Load the PDF template and the signing key when a worker process starts, not in its first task."""
    warm_up()


def warm_up() -> None:
    """Once per worker process: what every report would otherwise pay again in its first render."""
    import datetime as dt
    import gc

    from django.template.loader import get_template

    from governance.reports.certificates import CertificateError, signing_certificate
    from governance.reports.rendering import render_pdf
    from governance.reports.signing import load_signer

    get_template("reports/pdf/report.html")
    # A missing or broken key is reported by the task that needs it, with a message for the requester.
    with contextlib.suppress(CertificateError, OSError, ValueError):
        load_signer(signing_certificate())
    # A one-line PDF: loads fontconfig, Pango and WeasyPrint's stylesheets (about 0.1 s) now. Only an
    # optimisation: if rendering is broken, the first report says so with its reason, and the worker
    # process must still start.
    with contextlib.suppress(Exception):
        now = dt.datetime.now(dt.UTC)
        render_pdf("<p>Steward</p>", static_root=pipeline.STATIC_ROOT, attachments=[], moment=now)
    # Everything loaded so far lives as long as the process: keep it out of the garbage collector's
    # scans, which otherwise walk Django's and WeasyPrint's objects during every layout.
    gc.freeze()
