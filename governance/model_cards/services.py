"""Documentation services: documents, immutable revisions, finality, copying and templates.

Every write runs in one transaction, locks the version (then the document) so that it serialises
with lifecycle decisions that pin the review digest, and records its audit event last.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from governance.accounts.roles import Role
from governance.audit.actors import Actor, ActorKind
from governance.audit.event_types import AuditAction
from governance.audit.hashing import canonical_json
from governance.audit.ledger import record_event
from governance.inventory.errors import FrozenError
from governance.inventory.models import Asset, AssetVersion
from governance.model_cards.errors import DocumentConflict, StaleRevision
from governance.model_cards.models import (
    Document,
    DocumentKind,
    DocumentTemplate,
    Revision,
    RevisionSource,
    TemplateVersion,
)
from governance.model_cards.permissions import require_author
from governance.model_cards.sections import (
    missing_sections,
    normalise_content,
    normalise_value,
    parse_sections,
    specs_of,
)
from lifecycle.stages import ASSET, FINAL_STAGES, FROZEN_VERSION_STAGES


def content_sha256(template_version: TemplateVersion, content: dict[str, Any]) -> str:
    """SHA-256 of a revision's canonical form: RFC 8785 JSON of template, template version and content."""
    body = {
        "template": template_version.template.slug,
        "template_version": template_version.number,
        "content": content,
    }
    return hashlib.sha256(canonical_json(body)).hexdigest()


def _where(document: Document) -> dict[str, Any]:
    return {
        "kind": document.kind,
        "asset": document.asset.slug,
        "version": document.version.label if document.version else None,
    }


def _check_writable(asset: Asset, version: AssetVersion | None) -> None:
    if version is not None and version.stage in FROZEN_VERSION_STAGES:
        raise FrozenError(
            f"Version {version.label} is {version.get_stage_display().lower()}: its documents are read-only. "
            "Register a new version to change them."
        )
    if asset.stage in FINAL_STAGES[ASSET]:
        raise FrozenError(f"The asset is {asset.get_stage_display().lower()}; its documents are read-only.")


def _template_version(document: Document) -> TemplateVersion:
    version = document.template.current_version
    if version is None:  # only possible mid-creation of a template
        raise DocumentConflict("The document's template has no version.")
    return version


def _lock_document(document: Document) -> Document:
    """Lock the version (as transition() does, so digest readers serialise with us), then the document."""
    if document.version_id:
        AssetVersion.objects.select_for_update().filter(pk=document.version_id).first()
    return (
        Document.objects.select_for_update(of=("self",))
        .select_related(
            "asset", "version", "template", "current_revision", "current_revision__template_version"
        )
        .get(pk=document.pk)
    )


# --- documents and revisions ----------------------------------------------------------------------


@transaction.atomic
def create_document(
    *,
    actor: Actor,
    asset: Asset,
    version: AssetVersion | None = None,
    template: DocumentTemplate | None = None,
    kind: str | None = None,
) -> Document:
    """Start an empty document of `template` (or the active template of `kind`) on an asset or version.

    Raises PermissionDenied, FrozenError (409) and ValidationError (one per kind per version/asset).
    """
    if version is not None:
        version = AssetVersion.objects.select_for_update().select_related("asset").get(pk=version.pk)
        asset = version.asset
    if template is None:
        if kind not in DocumentKind.values:
            raise ValidationError({"kind": f"Choose one of: {', '.join(DocumentKind.values)}."})
        template = (
            DocumentTemplate.objects.filter(kind=kind, is_active=True).order_by("created_at", "pk").first()
        )
        if template is None:
            raise ValidationError(
                {"kind": f"There is no active {DocumentKind(kind).label.lower()} template."}
            )
    if not template.is_active:
        raise ValidationError({"template": "This template is inactive and takes no new documents."})
    require_author(actor, template.kind, asset, version)
    _check_writable(asset, version)
    document = Document(
        asset=asset,
        version=version,
        template=template,
        kind=template.kind,
        created_by=actor.user or asset.owner,
    )
    try:
        with transaction.atomic():
            document.save()
    except IntegrityError as exc:
        where = f"version {version.label}" if version else "this asset"
        raise ValidationError(
            {"kind": f"{where.capitalize()} already has a {template.get_kind_display().lower()}."}
        ) from exc
    record_event(
        AuditAction.DOCUMENT_CREATED,
        actor=actor,
        obj=document,
        payload={"new": _where(document) | {"template": template.slug}},
    )
    return document


@transaction.atomic
def save_revision(
    *,
    actor: Actor,
    document: Document,
    content: dict[str, Any],
    summary: str = "",
    expected_revision: int | None = None,
    source: str = RevisionSource.EDIT,
    based_on: Revision | None = None,
) -> Revision:
    """Save `content` (every section) as the document's next immutable revision.

    The revision follows the template's current version, records its SHA-256 and completeness, and
    clears finality. An unchanged save returns the current revision and writes nothing. Raises
    StaleRevision when `expected_revision` is not the current number, ValidationError for bad content.
    """
    document = _lock_document(document)
    require_author(actor, document.kind, document.asset, document.version)
    _check_writable(document.asset, document.version)
    current = document.current_revision
    current_number = current.number if current else 0
    if expected_revision is not None and expected_revision != current_number:
        raise StaleRevision(
            f"The document is at revision {current_number}, not {expected_revision}: "
            "someone saved in between.",
            ["Reload the document, check the latest revision and apply your change again."],
        )
    template_version = _template_version(document)
    specs = specs_of(template_version.sections)
    normalised = normalise_content(specs, content)
    digest = content_sha256(template_version, normalised)
    if current is not None and current.sha256 == digest:
        return current
    missing = missing_sections(specs, normalised)
    user = actor.user or document.asset.owner
    revision = Revision.objects.create(
        document=document,
        number=current_number + 1,
        template_version=template_version,
        content=normalised,
        sha256=digest,
        is_complete=not missing,
        missing=missing,
        summary=summary.strip()[:300],
        source=source,
        based_on=based_on,
        author=user,
        author_name=actor.name if actor.kind == ActorKind.SYSTEM else user.get_username(),
    )
    was_final = document.is_final
    document.current_revision = revision
    document.final_revision = None
    document.finalised_by = None
    document.finalised_at = None
    document.updated_at = timezone.now()
    document.save(
        update_fields=["current_revision", "final_revision", "finalised_by", "finalised_at", "updated_at"]
    )
    old_content = current.content if current else {}
    changed = [s.key for s in specs if old_content.get(s.key) != normalised.get(s.key)]
    record_event(
        AuditAction.DOCUMENT_REVISED,
        actor=actor,
        obj=document,
        payload=_where(document)
        | {
            "revision": revision.number,
            "revision_id": revision.pk,
            "sha256": digest,
            "template_version": template_version.number,
            "source": source,
            "based_on": based_on.pk if based_on else None,
            "changed_sections": changed,
            "complete": not missing,
            "missing": missing,
            "finality_cleared": was_final,
            "summary": revision.summary,
        },
    )
    return revision


def revise_section(
    *,
    actor: Actor,
    document: Document,
    key: str,
    value: Any,
    summary: str = "",
    expected_revision: int | None = None,
) -> Revision:
    """Change one section (section-by-section editing); the other sections keep their current value."""
    template_version = _template_version(document)
    spec = next((s for s in specs_of(template_version.sections) if s.key == key), None)
    if spec is None:
        raise ValidationError({"section": f"The template has no section “{key}”."})
    try:
        normalise_value(spec, value)
    except ValidationError as exc:
        raise ValidationError({key: exc.messages}) from exc
    current = document.current_revision
    content = dict(current.content) if current else {}
    # Sections the template no longer has are dropped when the document moves to its new version.
    content = {k: v for k, v in content.items() if k in {s.key for s in specs_of(template_version.sections)}}
    content[key] = value
    return save_revision(
        actor=actor, document=document, content=content, summary=summary, expected_revision=expected_revision
    )


@transaction.atomic
def mark_final(*, actor: Actor, document: Document, expected_revision: int | None = None) -> Document:
    """The author of the current revision declares it final; it must be complete.

    Raises PermissionDenied (not its author), DocumentConflict (no revision, incomplete, stale)
    or FrozenError.
    """
    document = _lock_document(document)
    require_author(actor, document.kind, document.asset, document.version)
    _check_writable(document.asset, document.version)
    revision = document.current_revision
    if revision is None:
        raise DocumentConflict("The document has no content yet.")
    if expected_revision is not None and expected_revision != revision.number:
        raise StaleRevision(
            f"The document is at revision {revision.number}, not {expected_revision}: review it again first."
        )
    if actor.user is None or revision.author_id != actor.user.pk:
        raise PermissionDenied(
            f"Only the author of revision {revision.number} ({revision.author_name}) may mark it final."
        )
    if not revision.is_complete:
        raise DocumentConflict(
            "An incomplete document cannot be marked final.",
            [f"Required section without content: {title}." for title in revision.missing],
        )
    if document.is_final:
        return document
    document.final_revision = revision
    document.finalised_by = actor.user
    document.finalised_at = timezone.now()
    document.save(update_fields=["final_revision", "finalised_by", "finalised_at"])
    record_event(
        AuditAction.DOCUMENT_FINALISED,
        actor=actor,
        obj=document,
        payload=_where(document)
        | {"revision": revision.number, "revision_id": revision.pk, "sha256": revision.sha256},
    )
    return document


def previous_document(version: AssetVersion, kind: str) -> Document | None:
    """The same kind of document on the asset's most recent earlier version that has one with content."""
    return (
        Document.objects.filter(
            asset_id=version.asset_id,
            kind=kind,
            version__isnull=False,
            current_revision__isnull=False,
            version__created_at__lt=version.created_at,
        )
        .exclude(version=version)
        .select_related("version", "current_revision")
        .order_by("-version__created_at", "-version_id")
        .first()
    )


@transaction.atomic
def start_from_previous(
    *, actor: Actor, version: AssetVersion, kind: str = DocumentKind.MODEL_CARD
) -> Document:
    """Create the version's document of `kind` with the previous version's current content as revision 1.

    The copy follows this document's template (its current version); it is never final.
    """
    source = previous_document(version, kind)
    if source is None:
        raise ValidationError(
            {"kind": f"No earlier version of this asset has a {DocumentKind(kind).label.lower()}."}
        )
    document = create_document(actor=actor, asset=version.asset, version=version, template=source.template)
    keys = {s.key for s in specs_of(_template_version(document).sections)}
    source_revision = source.current_revision
    if source_revision is None:
        raise DocumentConflict("The earlier document has no content to start from.")
    content = {k: v for k, v in source_revision.content.items() if k in keys}
    save_revision(
        actor=actor,
        document=document,
        content=content,
        summary=f"Started from version {source.version.label if source.version else ''}'s document.",
        source=RevisionSource.COPY,
        based_on=source_revision,
    )
    document.refresh_from_db()
    return document


# --- templates ------------------------------------------------------------------------------------


def _require_admin(actor: Actor) -> None:
    if actor.kind == ActorKind.SYSTEM:
        return
    if actor.is_integration or actor.user is None or not actor.user.has_role(Role.ADMIN):
        raise PermissionDenied("Only administrators may edit document templates.")


@transaction.atomic
def create_template(
    *, actor: Actor, slug: str, kind: str, name: str, description: str = "", sections: list[dict[str, Any]]
) -> DocumentTemplate:
    """Create a template with its first version (admins only)."""
    _require_admin(actor)
    if kind not in DocumentKind.values:
        raise ValidationError({"kind": f"Choose one of: {', '.join(DocumentKind.values)}."})
    try:
        specs = parse_sections(sections)
    except ValidationError as exc:
        raise ValidationError({"sections": exc.messages}) from exc
    template = DocumentTemplate(slug=slug, kind=kind)
    template.full_clean(exclude=["current_version"], validate_unique=False)
    if not name.strip():
        raise ValidationError({"name": "A template needs a name."})
    try:
        with transaction.atomic():
            template.save()
    except IntegrityError as exc:
        raise ValidationError({"slug": "A template with this slug already exists."}) from exc
    version = TemplateVersion.objects.create(
        template=template,
        number=1,
        name=name.strip(),
        description=description.strip(),
        sections=[s.as_json() for s in specs],
        created_by=actor.user,
    )
    template.current_version = version
    template.save(update_fields=["current_version"])
    record_event(
        AuditAction.TEMPLATE_CREATED,
        actor=actor,
        obj=template,
        payload={
            "new": {
                "slug": slug,
                "kind": kind,
                "name": version.name,
                "version": 1,
                "sections": [s.key for s in specs],
            }
        },
    )
    return template


@transaction.atomic
def update_template(
    *,
    actor: Actor,
    template: DocumentTemplate,
    name: str | None = None,
    description: str | None = None,
    sections: list[dict[str, Any]] | None = None,
    is_active: bool | None = None,
) -> DocumentTemplate:
    """Write the template's next version (admins only); records old and new of what changed.

    Existing revisions keep the template version they were written against; documents move to the
    new version at their next revision.
    """
    _require_admin(actor)
    template = (
        DocumentTemplate.objects.select_for_update(of=("self",))
        .select_related("current_version")
        .get(pk=template.pk)
    )
    current = template.current_version
    if current is None:
        raise DocumentConflict("The template has no version to update.")
    new_name = current.name if name is None else name.strip()
    if not new_name:
        raise ValidationError({"name": "A template needs a name."})
    new_description = current.description if description is None else description.strip()
    try:
        new_sections = (
            current.sections if sections is None else [s.as_json() for s in parse_sections(sections)]
        )
    except ValidationError as exc:
        raise ValidationError({"sections": exc.messages}) from exc
    old: dict[str, Any] = {}
    new: dict[str, Any] = {}
    content_changed = (new_name, new_description, new_sections) != (
        current.name,
        current.description,
        current.sections,
    )
    if content_changed:
        version = TemplateVersion.objects.create(
            template=template,
            number=current.number + 1,
            name=new_name,
            description=new_description,
            sections=new_sections,
            created_by=actor.user,
        )
        template.current_version = version
        old["version"], new["version"] = current.number, version.number
        for label, before, after in (
            ("name", current.name, new_name),
            ("description", current.description, new_description),
            ("sections", current.sections, new_sections),
        ):
            if before != after:
                old[label], new[label] = before, after
    if is_active is not None and is_active != template.is_active:
        old["is_active"], new["is_active"] = template.is_active, is_active
        template.is_active = is_active
    if not new:
        return template
    template.save(update_fields=["current_version", "is_active"])
    record_event(
        AuditAction.TEMPLATE_UPDATED,
        actor=actor,
        obj=template,
        payload={"slug": template.slug, "old": old, "new": new},
    )
    return template
