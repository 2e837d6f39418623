"""Report test helpers: the report certificate for the session, rendering through the real pipeline."""

from __future__ import annotations

from pathlib import Path

import pytest

from governance.audit.actors import Actor
from governance.reports.models import AuditReport
from governance.reports.services import request_report

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"


@pytest.fixture(scope="session", autouse=True)
def _report_certificate():
    """A report certificate at the configured paths (tests run with DEBUG off, so none is generated).

    The paths live in the session's data dir, which real workers started by the tests share.
    """
    from django.conf import settings

    from governance.reports.certificates import generate_certificate

    cert, key = Path(settings.STEWARD_REPORT_CERT_FILE), Path(settings.STEWARD_REPORT_KEY_FILE)
    if not cert.exists():
        generate_certificate(cert, key, common_name="Steward report signing (tests)")


def render(user, *, django_capture_on_commit_callbacks, **kwargs) -> AuditReport:
    """Request a report as `user` and run its task eagerly (as the on-commit callback would)."""
    with django_capture_on_commit_callbacks(execute=True):
        report = request_report(actor=Actor.for_user(user), **kwargs)
    report.refresh_from_db()
    return report


def pdf_bytes(report: AuditReport) -> bytes:
    from django.core.files.storage import default_storage

    with default_storage.open(report.file_name, "rb") as handle:
        return handle.read()
