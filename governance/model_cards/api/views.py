"""Documentation API: templates, documents, revisions (read; new ones through a command), finality,
diffs, export and import. Every route resolves objects among those the caller may see (404 otherwise).
"""

from __future__ import annotations

import json
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from governance.api.idempotency import IdempotentCommandsMixin
from governance.api.permissions import request_user
from governance.audit.actors import Actor
from governance.model_cards import exports, services
from governance.model_cards.api.serializers import (
    DiffQuerySerializer,
    DocumentCreateSerializer,
    DocumentSerializer,
    FinaliseSerializer,
    ImportSerializer,
    RevisionCreateSerializer,
    RevisionSerializer,
    RevisionSummarySerializer,
    SectionDiffSerializer,
    TemplateSerializer,
    TemplateVersionSerializer,
    TemplateWriteSerializer,
)
from governance.model_cards.diffs import diff_revisions
from governance.model_cards.models import Document, DocumentTemplate, Revision, RevisionSource
from lifecycle.queries import visible_assets, visible_versions

TAGS = ["documentation"]


@extend_schema_view(
    list=extend_schema(summary="Document templates", tags=TAGS),
    retrieve=extend_schema(summary="One template with its current sections", tags=TAGS),
)
class TemplateViewSet(
    IdempotentCommandsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Templates: everyone signed in reads them; administrators create and edit them (each edit a version)."""

    serializer_class = TemplateSerializer
    lookup_field = "slug"
    queryset = DocumentTemplate.objects.select_related(
        "current_version", "current_version__created_by"
    ).order_by("kind", "slug")

    @extend_schema(
        summary="Create a template (administrators)",
        request=TemplateWriteSerializer,
        responses={201: TemplateSerializer},
        tags=TAGS,
        examples=[
            OpenApiExample(
                "A short model card",
                request_only=True,
                value={
                    "slug": "llm-card",
                    "kind": "model_card",
                    "name": "LLM application card",
                    "sections": [
                        {
                            "key": "purpose",
                            "title": "Purpose",
                            "kind": "markdown",
                            "required": True,
                            "guidance": "What the application does.",
                        },
                        {
                            "key": "evals",
                            "title": "Evaluations",
                            "kind": "table",
                            "required": True,
                            "columns": ["Benchmark", "Score"],
                        },
                    ],
                },
            )
        ],
    )
    def create(self, request: Request) -> Response:
        data = TemplateWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        missing = [f for f in ("slug", "kind", "name", "sections") if f not in values]
        if missing:
            raise ApiValidationError({name: ["This field is required."] for name in missing})
        template = services.create_template(
            actor=Actor.from_request(request),
            slug=values["slug"],
            kind=values["kind"],
            name=values["name"],
            description=values.get("description", ""),
            sections=values["sections"],
        )
        return Response(TemplateSerializer(template).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Edit a template: writes its next version (administrators)",
        request=TemplateWriteSerializer,
        responses=TemplateSerializer,
        tags=TAGS,
    )
    def partial_update(self, request: Request, slug: str) -> Response:
        template = self.get_object()
        data = TemplateWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = {
            k: v
            for k, v in data.validated_data.items()
            if k in {"name", "description", "sections", "is_active"}
        }
        template = services.update_template(actor=Actor.from_request(request), template=template, **values)
        return Response(TemplateSerializer(template).data)

    @extend_schema(
        summary="Every version of a template", responses=TemplateVersionSerializer(many=True), tags=TAGS
    )
    @action(detail=True, methods=["get"])
    def versions(self, request: Request, slug: str) -> Response:
        template = self.get_object()
        versions = template.versions.select_related("created_by").order_by("-number")
        page = self.paginate_queryset(versions)
        return self.get_paginated_response(TemplateVersionSerializer(page, many=True).data)


def visible_documents(request: Request) -> QuerySet[Document]:
    return Document.objects.filter(asset__in=visible_assets(request_user(request)))


@extend_schema_view(
    list=extend_schema(
        summary="Documents you may see",
        parameters=[
            OpenApiParameter("version", int, description="Only this version's documents"),
            OpenApiParameter("asset", str, description="Only this asset's (slug) documents"),
            OpenApiParameter("kind", str, description="model_card, annex_iv, validation_report or datasheet"),
        ],
        tags=TAGS,
    ),
    retrieve=extend_schema(summary="One document with its current revision and status", tags=TAGS),
)
class DocumentViewSet(
    IdempotentCommandsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = DocumentSerializer

    def get_queryset(self) -> QuerySet[Document]:
        qs = (
            visible_documents(self.request)
            .select_related(
                "asset",
                "template",
                "template__current_version",
                "current_revision",
                "current_revision__author",
                "current_revision__template_version",
                "current_revision__template_version__template",
                "final_revision",
                "finalised_by",
            )
            .order_by("asset__slug", "version_id", "kind")
        )
        params = self.request.query_params
        if params.get("version", "").isdigit():
            qs = qs.filter(version_id=int(params["version"]))
        if params.get("asset"):
            qs = qs.filter(asset__slug=params["asset"])
        if params.get("kind"):
            qs = qs.filter(kind=params["kind"])
        return qs

    def get_parsers(self) -> list[Any]:
        if getattr(self, "action", None) == "import_content":
            return [JSONParser(), MultiPartParser(), FormParser()]
        return super().get_parsers()

    @extend_schema(
        summary="Start a document (owners: cards, Annex IV, datasheets; the claiming validator: reports)",
        request=DocumentCreateSerializer,
        responses={201: DocumentSerializer},
        examples=[
            OpenApiExample(
                "A version's model card", request_only=True, value={"version": 12, "kind": "model_card"}
            )
        ],
        tags=TAGS,
    )
    def create(self, request: Request) -> Response:
        user = request_user(request)
        data = DocumentCreateSerializer(data=request.data)
        data.fields["version"].queryset = visible_versions(user).select_related("asset")  # type: ignore[attr-defined]
        data.fields["asset"].queryset = visible_assets(user)  # type: ignore[attr-defined]
        data.is_valid(raise_exception=True)
        values = data.validated_data
        actor = Actor.from_request(request)
        version = values.get("version")
        if values["start_from_previous"]:
            kind = values["template"].kind if values.get("template") else values["kind"]
            document = services.start_from_previous(actor=actor, version=version, kind=kind)
        else:
            document = services.create_document(
                actor=actor,
                asset=version.asset if version else values["asset"],
                version=version,
                template=values.get("template"),
                kind=values.get("kind"),
            )
        return Response(
            DocumentSerializer(self.get_queryset().get(pk=document.pk)).data, status=status.HTTP_201_CREATED
        )

    def _revision(self, document: Document, number: int) -> Revision:
        return get_object_or_404(
            Revision.objects.select_related("template_version__template", "author"),
            document=document,
            number=number,
        )

    @extend_schema(
        methods=["GET"],
        summary="A document's revisions, newest first (without content)",
        responses=RevisionSummarySerializer(many=True),
        tags=TAGS,
    )
    @extend_schema(
        methods=["POST"],
        summary="Save a new revision (every save is an immutable revision)",
        request=RevisionCreateSerializer,
        responses={201: RevisionSerializer},
        tags=TAGS,
        examples=[
            OpenApiExample(
                "Change one section",
                request_only=True,
                value={
                    "sections": {"intended_use": "Credit decisions up to 25k EUR."},
                    "summary": "Narrowed the intended use.",
                    "expected_revision": 3,
                },
            )
        ],
    )
    @action(detail=True, methods=["get", "post"])
    def revisions(self, request: Request, pk: str) -> Response:
        document = self.get_object()
        if request.method == "GET":
            qs = document.revisions.select_related("template_version__template", "author").order_by("-number")
            page = self.paginate_queryset(qs)
            return self.get_paginated_response(RevisionSummarySerializer(page, many=True).data)
        data = RevisionCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        if "sections" in values:
            current = document.current_revision.content if document.current_revision else {}
            content = dict(current) | dict(values["sections"])
        else:
            content = dict(values["content"])
        revision = services.save_revision(
            actor=Actor.from_request(request),
            document=document,
            content=content,
            summary=values["summary"],
            expected_revision=values.get("expected_revision"),
        )
        return Response(RevisionSerializer(revision).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="One revision with its content", responses=RevisionSerializer, tags=TAGS)
    @action(detail=True, methods=["get"], url_path=r"revisions/(?P<number>\d+)")
    def revision(self, request: Request, pk: str, number: str) -> Response:
        return Response(RevisionSerializer(self._revision(self.get_object(), int(number))).data)

    @extend_schema(
        summary="Mark the current revision final (its author; it must be complete)",
        request=FinaliseSerializer,
        responses=DocumentSerializer,
        tags=TAGS,
    )
    @action(detail=True, methods=["post"])
    def finalise(self, request: Request, pk: str) -> Response:
        document = self.get_object()
        data = FinaliseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.mark_final(
            actor=Actor.from_request(request),
            document=document,
            expected_revision=data.validated_data.get("expected_revision"),
        )
        return Response(DocumentSerializer(self.get_queryset().get(pk=document.pk)).data)

    @extend_schema(
        summary="Differences between two revisions, per section (side by side and inline)",
        parameters=[
            OpenApiParameter("from_revision", int, required=True),
            OpenApiParameter("to_revision", int, required=True),
        ],
        responses=SectionDiffSerializer(many=True),
        tags=TAGS,
    )
    @action(detail=True, methods=["get"])
    def diff(self, request: Request, pk: str) -> Response:
        document = self.get_object()
        query = DiffQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        old = self._revision(document, query.validated_data["from_revision"])
        new = self._revision(document, query.validated_data["to_revision"])
        return Response([d.as_json() for d in diff_revisions(old, new)])

    @extend_schema(
        summary="Export a revision as Steward JSON or Hugging Face style Markdown",
        parameters=[
            OpenApiParameter("output", str, enum=["json", "markdown"]),
            OpenApiParameter("revision", int, description="Default: the current revision"),
        ],
        responses={(200, "application/json"): OpenApiTypes.OBJECT, (200, "text/markdown"): OpenApiTypes.STR},
        tags=TAGS,
    )
    @action(detail=True, methods=["get"])
    def export(self, request: Request, pk: str) -> HttpResponse:
        document = self.get_object()
        number = request.query_params.get("revision")
        revision = (
            self._revision(document, int(number))
            if number and number.isdigit()
            else document.current_revision
        )
        if revision is None:
            raise ApiValidationError({"revision": ["The document has no revision to export."]})
        # `format` is DRF's content-negotiation parameter, hence `output`.
        return export_response(document, revision, request.query_params.get("output", "json"))

    @extend_schema(
        summary="Import content from Steward JSON or Hugging Face Markdown as a new revision",
        request=ImportSerializer,
        responses={201: RevisionSerializer},
        tags=TAGS,
    )
    @action(detail=True, methods=["post"], url_path="import")
    def import_content(self, request: Request, pk: str) -> Response:
        document = self.get_object()
        data = ImportSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        content = parse_import(
            document, values["format"], values.get("export"), values.get("text"), values.get("file")
        )
        revision = services.save_revision(
            actor=Actor.from_request(request),
            document=document,
            content=content,
            summary=values["summary"] or f"Imported from {values['format']}.",
            expected_revision=values.get("expected_revision"),
            source=RevisionSource.IMPORT_JSON
            if values["format"] == "json"
            else RevisionSource.IMPORT_MARKDOWN,
        )
        return Response(RevisionSerializer(revision).data, status=status.HTTP_201_CREATED)


def export_response(document: Document, revision: Revision, fmt: str) -> HttpResponse:
    """A download of the revision (shared by the API and the UI)."""
    base = f"{document.asset.slug}-{document.version.label if document.version else 'asset'}-{document.kind}"
    base = "".join(c if c.isalnum() or c in "-_." else "-" for c in base) + f"-r{revision.number}"
    if fmt == "markdown":
        response = HttpResponse(
            exports.export_markdown(document, revision), content_type="text/markdown; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{base}.md"'
    elif fmt == "json":
        body = json.dumps(exports.export_json(document, revision), indent=2, ensure_ascii=False)
        response = HttpResponse(body, content_type="application/json")
        response["Content-Disposition"] = f'attachment; filename="{base}.json"'
    else:
        raise ApiValidationError({"format": ["Choose json or markdown."]})
    return response


def parse_import(document: Document, fmt: str, data: Any, text: str | None, upload: Any) -> dict[str, Any]:
    """Section content from an import request (JSON value, Markdown text, or an uploaded file)."""
    from django.core.exceptions import ValidationError

    if upload is not None:
        if upload.size > exports.MAX_IMPORT_BYTES:
            raise ValidationError({"file": "The file is larger than 2 MB."})
        raw = upload.read()
        try:
            decoded = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ValidationError({"file": "The file is not UTF-8 text."}) from exc
        if fmt == "json":
            try:
                data = json.loads(decoded)
            except json.JSONDecodeError as exc:
                raise ValidationError(
                    {"file": f"The file is not valid JSON: {exc.msg} (line {exc.lineno})."}
                ) from exc
        else:
            text = decoded
    if fmt == "json":
        if data is None:
            raise ValidationError({"export": "Give the JSON export in `export` (or upload it as `file`)."})
        return exports.import_json(document, data)
    if not text:
        raise ValidationError({"text": "Give the Markdown in `text` (or upload it as `file`)."})
    if len(text.encode()) > exports.MAX_IMPORT_BYTES:
        raise ValidationError({"text": "The Markdown is larger than 2 MB."})
    return exports.import_markdown(document, text)
