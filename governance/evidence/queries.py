"""Read side of evidence: a version's evidence, current or all. Visibility is the caller's."""

from __future__ import annotations

from django.db.models import QuerySet

from governance.evidence.models import Evidence
from governance.inventory.models import AssetVersion


def version_evidence(version: AssetVersion) -> QuerySet[Evidence]:
    """All of the version's evidence, current first, newest first (superseded rows included)."""
    return (
        Evidence.objects.filter(version=version)
        .select_related("uploaded_by", "superseded_by")
        .order_by("superseded_at", "-uploaded_at", "-pk")
    )


def current_evidence(version: AssetVersion) -> QuerySet[Evidence]:
    """The version's evidence that is not superseded (the review digest and the gates use these)."""
    return Evidence.objects.filter(version=version, superseded_at__isnull=True).order_by("uploaded_at", "pk")


def current_kinds(version: AssetVersion) -> set[str]:
    return set(current_evidence(version).values_list("kind", flat=True))
