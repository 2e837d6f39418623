"""Read side of documentation: a version's documents and revisions, and their status.

These return values and querysets only; visibility is the caller's (lifecycle.queries). The PDF
report and the review digest read documents through here.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from governance.inventory.models import Asset, AssetVersion
from governance.model_cards.models import Document, DocumentKind, DocumentTemplate, Revision
from governance.model_cards.sections import SectionSpec, has_content, specs_of


def version_documents(version: AssetVersion) -> QuerySet[Document]:
    """The version's documents (one per kind), with their current and final revisions loaded."""
    return (
        Document.objects.filter(version=version)
        .select_related(
            "template",
            "template__current_version",
            "current_revision",
            "current_revision__template_version",
            "final_revision",
        )
        .order_by("kind", "pk")
    )


def asset_documents(asset: Asset) -> QuerySet[Document]:
    """Documents that belong to the asset itself (not to one of its versions)."""
    return (
        Document.objects.filter(asset=asset, version__isnull=True)
        .select_related("template", "template__current_version", "current_revision", "final_revision")
        .order_by("kind", "pk")
    )


def version_document(version: AssetVersion, kind: str) -> Document | None:
    return version_documents(version).filter(kind=kind).first()


def current_revisions(version: AssetVersion) -> list[Revision]:
    """The current revision of each of the version's documents (the digest and the PDF use these)."""
    return [d.current_revision for d in version_documents(version) if d.current_revision is not None]


def revisions_of(document: Document) -> QuerySet[Revision]:
    """All revisions of a document, newest first."""
    return Revision.objects.filter(document=document).select_related("template_version").order_by("-number")


def active_templates(kind: str | None = None) -> QuerySet[DocumentTemplate]:
    qs = DocumentTemplate.objects.filter(is_active=True).select_related("current_version")
    return qs.filter(kind=kind) if kind else qs


@dataclass(frozen=True)
class DocumentStatus:
    """What the gates ask of a document: does it exist, is it complete, is it final."""

    exists: bool
    complete: bool
    final: bool
    missing: list[str]
    revision: int | None

    def reasons(self, label: str) -> list[str]:
        if not self.exists:
            return [f"There is no {label} yet."]
        reasons = []
        if not self.complete:
            missing = ", ".join(self.missing) or "all required sections"
            reasons.append(f"The {label} is incomplete: {missing} without content.")
        if not self.final:
            reasons.append(f"The {label} has not been marked final by its author.")
        return reasons


def document_status(document: Document | None) -> DocumentStatus:
    if document is None or document.current_revision is None:
        return DocumentStatus(document is not None, False, False, [], None)
    revision = document.current_revision
    return DocumentStatus(
        True, revision.is_complete, document.is_final, list(revision.missing), revision.number
    )


def kind_label(kind: str) -> str:
    return str(DocumentKind(kind).label).lower() if kind in DocumentKind.values else kind


@dataclass(frozen=True)
class SectionView:
    """One section as pages and PDFs show it: its spec and its value in a revision."""

    spec: SectionSpec
    value: object
    filled: bool


def sections_of(revision: Revision | None, document: Document) -> list[SectionView]:
    """The sections of a revision (or of the document's template when it has none) with their values."""
    if revision is None:
        version = document.template.current_version
        specs = specs_of(version.sections) if version else []
        return [SectionView(s, None, False) for s in specs]
    return [
        SectionView(s, revision.content.get(s.key), has_content(s, revision.content.get(s.key)))
        for s in specs_of(revision.template_version.sections)
    ]
