"""Evidence API: list, multipart upload, supersede, and a permission-checked download."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from governance.api.idempotency import IdempotentCommandsMixin
from governance.api.permissions import request_user
from governance.audit.actors import Actor
from governance.evidence import services
from governance.evidence.api.serializers import (
    EvidenceSerializer,
    EvidenceUploadSerializer,
    SupersedeSerializer,
)
from governance.evidence.models import Evidence
from lifecycle.queries import visible_versions

TAGS = ["evidence"]
# Multipart framing around the file itself; anything larger than the limit plus this is refused unread.
MULTIPART_SLACK = 64 * 1024


def refuse_oversized(request: Any, limit: int) -> None:
    """Refuse a request whose declared body exceeds the limit before Django reads (and spools) it."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > limit + MULTIPART_SLACK:
        from django.template.defaultfilters import filesizeformat

        raise ValidationError({"file": f"The upload is larger than the limit of {filesizeformat(limit)}."})


def evidence_download(evidence: Evidence, actor: Actor) -> FileResponse:
    """Record the download (audit event), then stream the file as an attachment with its detected type."""
    services.record_download(actor=actor, evidence=evidence)
    response = FileResponse(
        evidence.file.open("rb"),
        as_attachment=True,
        filename=evidence.original_name,
        content_type=evidence.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["X-Steward-SHA256"] = evidence.sha256
    return response


@extend_schema_view(
    list=extend_schema(
        summary="Evidence you may see",
        tags=TAGS,
        parameters=[OpenApiParameter("version", int), OpenApiParameter("current", bool)],
    ),
    retrieve=extend_schema(summary="One piece of evidence", tags=TAGS),
)
class EvidenceViewSet(
    IdempotentCommandsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = EvidenceSerializer

    def get_queryset(self) -> QuerySet[Evidence]:
        user = request_user(self.request)
        qs = Evidence.objects.filter(version__in=visible_versions(user)).select_related(
            "asset", "uploaded_by"
        )
        params = self.request.query_params
        if params.get("version", "").isdigit():
            qs = qs.filter(version_id=int(params["version"]))
        if params.get("current") in {"true", "1"}:
            qs = qs.filter(superseded_at__isnull=True)
        return qs.order_by("-uploaded_at", "-pk")

    def get_parsers(self) -> list[Any]:
        if getattr(self, "action", None) == "create":
            return [MultiPartParser(), FormParser()]
        return super().get_parsers()

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if request.method == "POST" and getattr(self, "action", None) == "create":
            refuse_oversized(request, settings.STEWARD_EVIDENCE_MAX_BYTES)

    @extend_schema(
        summary="Upload evidence (multipart); refused unstored if empty, too large or of a refused type",
        request={"multipart/form-data": EvidenceUploadSerializer},
        responses={201: EvidenceSerializer},
        tags=TAGS,
    )
    def create(self, request: Request) -> Response:
        user = request_user(request)
        data = EvidenceUploadSerializer(data=request.data)
        data.fields["version"].queryset = visible_versions(user).select_related("asset")  # type: ignore[attr-defined]
        data.fields["supersedes"].queryset = Evidence.objects.filter(  # type: ignore[attr-defined]
            version__in=visible_versions(user)
        )
        data.is_valid(raise_exception=True)
        values = data.validated_data
        evidence = services.upload_evidence(
            actor=Actor.from_request(request),
            version=values["version"],
            file=values["file"],
            label=values["label"],
            kind=values["kind"],
            supersedes=values.get("supersedes"),
        )
        return Response(
            EvidenceSerializer(evidence, context={"request": request}).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        summary="Mark evidence superseded, with a reason (it is kept)",
        request=SupersedeSerializer,
        responses=EvidenceSerializer,
        tags=TAGS,
    )
    @action(detail=True, methods=["post"])
    def supersede(self, request: Request, pk: str) -> Response:
        evidence = self.get_object()
        data = SupersedeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        evidence = services.supersede_evidence(
            actor=Actor.from_request(request), evidence=evidence, reason=data.validated_data["reason"]
        )
        return Response(EvidenceSerializer(evidence, context={"request": request}).data)

    @extend_schema(
        summary="Download the file (an audit event; integration tokens are refused)",
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
        tags=TAGS,
    )
    @action(detail=True, methods=["get"])
    def download(self, request: Request, pk: str) -> FileResponse:
        return evidence_download(self.get_object(), Actor.from_request(request))
