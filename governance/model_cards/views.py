"""Document pages: read a document section by section, edit one section, mark final, revision history,
diffs, export and import. Documents resolve among those the viewer may see (404 otherwise); every
write goes through governance.model_cards.services.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from governance.accounts.models import User
from governance.audit.actors import Actor
from governance.inventory.errors import FrozenError
from governance.model_cards import services
from governance.model_cards.api.views import export_response, parse_import
from governance.model_cards.diffs import diff_revisions
from governance.model_cards.errors import DocumentConflict
from governance.model_cards.models import Document, DocumentKind, Revision, RevisionSource, SectionKind
from governance.model_cards.permissions import authoring_refusal
from governance.model_cards.queries import sections_of
from governance.model_cards.sections import SectionSpec, specs_of
from lifecycle.queries import visible_assets, visible_versions

BLANK_TABLE_ROWS = 3


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _document(request: HttpRequest, pk: int) -> Document:
    return get_object_or_404(
        Document.objects.filter(asset__in=visible_assets(_user(request))).select_related(
            "asset",
            "version",
            "template",
            "template__current_version",
            "current_revision",
            "current_revision__template_version",
            "final_revision",
            "finalised_by",
        ),
        pk=pk,
    )


def _errors(exc: Exception) -> list[str]:
    if isinstance(exc, ValidationError):
        return [str(m) for m in exc.messages]
    if isinstance(exc, DocumentConflict):
        return [exc.message, *[r for r in exc.reasons if r != exc.message]]
    return [str(exc)]


def _context(request: HttpRequest, document: Document) -> dict[str, Any]:
    user = _user(request)
    revision = document.current_revision
    may_write = authoring_refusal(user, document.kind, document.asset, document.version) is None
    return {
        "document": document,
        "revision": revision,
        "asset": document.asset,
        "version": document.version,
        "sections": sections_of(revision, document),
        "may_write": may_write,
        "may_finalise": bool(
            may_write
            and revision
            and revision.author_id == user.pk
            and revision.is_complete
            and not document.is_final
        ),
    }


@login_required
def document_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The document as it stands: every section with its guidance, what is missing, and its status."""
    document = _document(request, pk)
    return render(request, "model_cards/document.html", _context(request, document))


def _section_value(spec: SectionSpec, data: Any) -> Any:
    """The section value a submitted form describes (shape only; the service validates)."""
    if spec.kind == SectionKind.TABLE:
        try:
            count = min(int(data.get("rows", 0)), 600)
        except ValueError:
            count = 0
        return [[data.get(f"cell-{r}-{c}", "") for c in range(len(spec.columns))] for r in range(count)]
    if spec.kind == SectionKind.FIELDS:
        return {f.key: data.get(f"field-{f.key}", "") for f in spec.fields}
    return data.get("value", "")


@login_required
def section_edit(request: HttpRequest, pk: int, key: str) -> HttpResponse:
    """Edit one section; saving makes a new immutable revision (and clears finality)."""
    document = _document(request, pk)
    refusal = authoring_refusal(_user(request), document.kind, document.asset, document.version)
    if refusal:
        raise PermissionDenied(refusal)
    template_version = document.template.current_version
    specs = specs_of(template_version.sections) if template_version else []
    spec = next((s for s in specs if s.key == key), None)
    if spec is None:
        return redirect(document)
    current = document.current_revision
    value: Any = current.content.get(key) if current else None
    errors: list[str] = []
    summary = ""
    if request.method == "POST":
        value = _section_value(spec, request.POST)
        summary = request.POST.get("summary", "")
        expected = request.POST.get("expected_revision", "")
        try:
            services.revise_section(
                actor=Actor.from_request(request),
                document=document,
                key=key,
                value=value,
                summary=summary,
                expected_revision=int(expected) if expected.isdigit() else None,
            )
        except (ValidationError, DocumentConflict, FrozenError, PermissionDenied) as exc:
            errors = _errors(exc)
        else:
            messages.success(request, f"Saved “{spec.title}” as a new revision.")
            return redirect(f"{document.get_absolute_url()}#section-{key}")
    rows = list(value or []) if spec.kind == SectionKind.TABLE else []
    rows += [[""] * len(spec.columns)] * BLANK_TABLE_ROWS if spec.kind == SectionKind.TABLE else []
    return render(
        request,
        "model_cards/section_edit.html",
        _context(request, document)
        | {
            "spec": spec,
            "value": value or ({} if spec.kind == SectionKind.FIELDS else ""),
            "rows": rows,
            "errors": errors,
            "summary": summary,
            "expected_revision": current.number if current else 0,
        },
        status=400 if errors else 200,
    )


@login_required
@require_POST
def mark_final(request: HttpRequest, pk: int) -> HttpResponse:
    document = _document(request, pk)
    expected = request.POST.get("expected_revision", "")
    try:
        services.mark_final(
            actor=Actor.from_request(request),
            document=document,
            expected_revision=int(expected) if expected.isdigit() else None,
        )
    except (DocumentConflict, FrozenError, PermissionDenied) as exc:
        for error in _errors(exc):
            messages.error(request, error)
    else:
        messages.success(request, f"{document.get_kind_display()} marked final.")
    return redirect(document)


@login_required
@require_POST
def document_create(request: HttpRequest) -> HttpResponse:
    """Start a version's (or asset's) document of a kind, empty or from the previous version's."""
    user = _user(request)
    kind = request.POST.get("kind", "")
    version_id = request.POST.get("version", "")
    asset_slug = request.POST.get("asset", "")
    actor = Actor.from_request(request)
    try:
        if version_id.isdigit():
            version = get_object_or_404(visible_versions(user).select_related("asset"), pk=int(version_id))
            back = version.get_absolute_url()
            if request.POST.get("start_from_previous"):
                document = services.start_from_previous(actor=actor, version=version, kind=kind)
            else:
                document = services.create_document(
                    actor=actor, asset=version.asset, version=version, kind=kind
                )
        else:
            asset = get_object_or_404(visible_assets(user), slug=asset_slug)
            back = asset.get_absolute_url()
            document = services.create_document(actor=actor, asset=asset, kind=kind)
    except (ValidationError, FrozenError, PermissionDenied, DocumentConflict) as exc:
        for error in _errors(exc):
            messages.error(request, error)
        return redirect(back)
    messages.success(request, f"{document.get_kind_display()} started.")
    return redirect(document)


@login_required
def revision_list(request: HttpRequest, pk: int) -> HttpResponse:
    """Every revision, newest first, with a form to compare any two."""
    document = _document(request, pk)
    revisions = list(document.revisions.select_related("author").order_by("-number"))
    return render(
        request, "model_cards/revisions.html", _context(request, document) | {"revisions": revisions}
    )


def _revision(document: Document, number: Any) -> Revision:
    try:
        wanted = int(number)
    except (TypeError, ValueError):
        wanted = 0
    return get_object_or_404(
        Revision.objects.select_related("template_version", "template_version__template", "author"),
        document=document,
        number=wanted,
    )


@login_required
def revision_detail(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    document = _document(request, pk)
    revision = _revision(document, number)
    return render(
        request,
        "model_cards/revision.html",
        _context(request, document)
        | {
            "shown": revision,
            "shown_sections": sections_of(revision, document),
        },
    )


@login_required
def revision_diff(request: HttpRequest, pk: int) -> HttpResponse:
    """Differences between two revisions, side by side or inline (?from=&to=&mode=)."""
    document = _document(request, pk)
    old = _revision(document, request.GET.get("from"))
    new = _revision(document, request.GET.get("to"))
    mode = "inline" if request.GET.get("mode") == "inline" else "side"
    sections = diff_revisions(old, new)
    return render(
        request,
        "model_cards/diff.html",
        _context(request, document)
        | {
            "old": old,
            "new": new,
            "mode": mode,
            "diff_sections": sections,
            "changed_count": sum(1 for s in sections if s.changed),
            "revisions": list(document.revisions.order_by("-number").values_list("number", flat=True)),
        },
    )


@login_required
def export_document(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    document = _document(request, pk)
    revision = (
        _revision(document, request.GET["revision"])
        if request.GET.get("revision")
        else document.current_revision
    )
    if revision is None:
        messages.error(request, "The document has no revision to export yet.")
        return redirect(document)
    return export_response(document, revision, "markdown" if fmt == "markdown" else "json")


@login_required
@require_POST
def import_document(request: HttpRequest, pk: int) -> HttpResponse:
    """Replace the content with an uploaded JSON or Markdown export, as a new revision."""
    document = _document(request, pk)
    fmt = "markdown" if request.POST.get("format") == "markdown" else "json"
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise ValidationError({"file": "Choose a file to import."})
        content = parse_import(document, fmt, None, None, upload)
        services.save_revision(
            actor=Actor.from_request(request),
            document=document,
            content=content,
            summary=f"Imported from {upload.name}"[:300],
            source=RevisionSource.IMPORT_MARKDOWN if fmt == "markdown" else RevisionSource.IMPORT_JSON,
        )
    except (ValidationError, DocumentConflict, FrozenError, PermissionDenied) as exc:
        for error in _errors(exc):
            messages.error(request, f"Import failed: {error}")
    else:
        messages.success(request, "Imported as a new revision.")
    return redirect(document)


DOCUMENT_KINDS = [(k.value, k.label) for k in DocumentKind]
