"""The NO_OPEN_HIGH_FINDINGS gate: unresolved high/critical findings (or lapsed risk acceptances) block."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Q
from django.utils import timezone

from governance.inventory.models import Asset, AssetVersion
from governance.oversight.models import BLOCKING_SEVERITIES, UNRESOLVED_STATUSES, Finding, FindingStatus
from lifecycle.gates import Gate, register_gate


def blocking_findings(asset: Asset, version: AssetVersion | None) -> Any:
    """Findings that block: on the version (or the asset itself), high or critical, and unresolved or
    with a risk acceptance whose date has passed."""
    today = timezone.now().date()
    scope = Q(asset=asset, version__isnull=True) | (
        Q(version=version) if version is not None else Q(pk__in=[])
    )
    lapsed = Q(status=FindingStatus.RISK_ACCEPTED, risk_accepted_until__lt=today)
    return Finding.objects.filter(scope, severity__in=BLOCKING_SEVERITIES).filter(
        Q(status__in=UNRESOLVED_STATUSES) | lapsed
    )


def no_open_high_findings(
    asset: Asset, version: AssetVersion | None, options: Mapping[str, Any]
) -> list[str]:
    found = list(blocking_findings(asset, version).order_by("due_date", "pk")[:10])
    return [
        f"Finding #{f.pk} “{f.title}” ({f.get_severity_display().lower()}, {f.get_status_display().lower()}) "
        "is not resolved."
        for f in found
    ]


register_gate(Gate.NO_OPEN_HIGH_FINDINGS, no_open_high_findings)
