"""Reports API: request (202 + the report's URL), list, detail with status, download, verify by upload."""

from __future__ import annotations

from typing import Any

from django.core.files.storage import default_storage
from django.db.models import QuerySet
from django.http import FileResponse, Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from governance.api.idempotency import IdempotentCommandsMixin
from governance.api.permissions import request_user
from governance.audit import keys
from governance.audit.actors import Actor
from governance.reports.api.serializers import (
    ReportRequestSerializer,
    ReportSerializer,
    VerificationSerializer,
    VerifyUploadSerializer,
)
from governance.reports.models import AuditReport, ReportStatus
from governance.reports.services import record_download, request_report, visible_reports
from governance.reports.verify import verify_report_bytes


@extend_schema_view(
    list=extend_schema(
        summary="Your audit reports (all, for compliance and admin), newest first", tags=["reports"]
    ),
    retrieve=extend_schema(summary="One report with its status and progress", tags=["reports"]),
)
class ReportViewSet(
    IdempotentCommandsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = ReportSerializer

    def get_queryset(self) -> QuerySet[AuditReport]:
        return visible_reports(request_user(self.request)).order_by("-requested_at")

    @extend_schema(
        summary="Request an audit report (rendered in the background)",
        request=ReportRequestSerializer,
        responses={202: ReportSerializer},
        examples=[
            OpenApiExample("A version", value={"scope": "version", "version": 42}, request_only=True),
            OpenApiExample(
                "Events of one month, as of its end",
                value={
                    "scope": "events",
                    "events_from": "2026-10-01T00:00:00Z",
                    "events_until": "2026-11-01T00:00:00Z",
                },
                request_only=True,
            ),
        ],
        tags=["reports"],
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = ReportRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        report = request_report(
            actor=Actor.from_request(request),
            scope=data["scope"],
            version_id=data.get("version"),
            asset_id=data.get("asset"),
            events_from=data.get("events_from"),
            events_until=data.get("events_until"),
            as_of=data.get("as_of"),
        )
        body = ReportSerializer(report, context={"request": request}).data
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["url"]})

    @extend_schema(
        summary="Download the signed PDF (each download is an audit event)",
        responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY), 404: None},
        tags=["reports"],
    )
    @action(detail=True, methods=["get"], url_path="download", url_name="download")
    def download(self, request: Request, pk: Any = None) -> FileResponse:
        report = self.get_object()
        if report.status != ReportStatus.DONE:
            raise Http404("The report is not ready.")
        record_download(report, actor=Actor.from_request(request))
        response = FileResponse(
            default_storage.open(report.file_name, "rb"),
            content_type="application/pdf",
            as_attachment=True,
            filename=report.download_name,
        )
        response["X-Content-SHA256"] = report.sha256
        return response

    @extend_schema(
        summary="Verify an uploaded report file (offline checks and the live ledger)",
        request={"multipart/form-data": VerifyUploadSerializer},
        responses=VerificationSerializer,
        tags=["reports"],
    )
    @action(
        detail=False, methods=["post"], url_path="verify", url_name="verify", parser_classes=[MultiPartParser]
    )
    def verify(self, request: Request) -> Response:
        upload = VerifyUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        data = upload.validated_data["file"].read()
        result = verify_report_bytes(data, public_key=keys.load_public_key(), live=True)
        return Response(VerificationSerializer(result).data)
