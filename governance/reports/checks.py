"""System checks: say at deploy time when the report certificate is not configured.

An Info, not a Warning: a web-only deployment needs no signing key (only workers sign), and CI runs
`check --deploy --fail-level WARNING` without one. Workers refuse to render unsigned reports anyway.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.checks import Info, Tags, register


@register(Tags.security, deploy=True)
def report_certificate_configured(app_configs: Any = None, **kwargs: Any) -> list[Info]:
    missing = [
        name
        for name in ("STEWARD_REPORT_CERT_FILE", "STEWARD_REPORT_KEY_FILE")
        if not Path(getattr(settings, name)).is_file()
    ]
    if not missing:
        return []
    return [
        Info(
            f"{' and '.join(missing)} do not name existing files: workers will refuse to render audit "
            "reports, because Steward never issues an unsigned report.",
            hint="Point them at the report signing certificate and key (PEM); "
            "python manage.py generate_report_certificate CERT KEY makes a self-signed pair.",
            id="reports.I001",
        )
    ]
