"""Incidents API: list, open, update, record the report sent; incident kinds (read all, admins write)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from governance.api.idempotency import IdempotentCommandsMixin
from governance.api.permissions import request_user
from governance.audit.actors import Actor
from governance.oversight.incidents import files, kinds, services
from governance.oversight.incidents.api.serializers import (
    IncidentCreateSerializer,
    IncidentFileInputSerializer,
    IncidentFileSerializer,
    IncidentFilterSerializer,
    IncidentKindSerializer,
    IncidentKindUpdateSerializer,
    IncidentSerializer,
    IncidentUpdateSerializer,
    ReportSentSerializer,
)
from governance.oversight.incidents.queries import filter_incidents, with_related
from governance.oversight.models.incidents import Incident, IncidentFile, IncidentFilePurpose, IncidentKind
from lifecycle.queries import visible_assets

INCIDENT_FILTERS = [
    OpenApiParameter("status", str, enum=["open", "investigating", "mitigated", "closed"]),
    OpenApiParameter("kind", str, description="incident kind slug"),
    OpenApiParameter("severity", str, enum=["low", "medium", "high", "critical"]),
    OpenApiParameter("asset", str, description="asset slug"),
    OpenApiParameter("version", int, description="version id"),
    OpenApiParameter("active", bool, description="true: open, investigating or mitigated"),
    OpenApiParameter("overdue", bool, description="true: a report is due, unsent and past its deadline"),
    OpenApiParameter("pending", bool, description="true: a report is due, unsent, deadline not yet passed"),
]


@extend_schema_view(
    list=extend_schema(
        summary="Incidents you may see, newest first", parameters=INCIDENT_FILTERS, tags=["incidents"]
    ),
    retrieve=extend_schema(summary="One incident, with its reporting countdown", tags=["incidents"]),
)
class IncidentViewSet(
    IdempotentCommandsMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Incidents on assets the caller may see; changes go through the incident services."""

    serializer_class = IncidentSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self) -> QuerySet[Incident]:
        qs = with_related(Incident.objects.filter(asset__in=visible_assets(request_user(self.request))))
        if self.action == "list":
            filters = IncidentFilterSerializer(data=self.request.query_params)
            filters.is_valid(raise_exception=True)
            qs = filter_incidents(qs, **filters.validated_data)
        return qs.order_by("-detected_at", "-pk")

    @extend_schema(
        summary="Open an incident",
        description="Its report deadline comes from the kind (EU AI Act Art. 73 defaults: 15, 10 or 2 days).",
        request=IncidentCreateSerializer,
        responses={201: IncidentSerializer},
        examples=[
            OpenApiExample(
                "Serious incident",
                value={
                    "asset": "credit-default-pd",
                    "version": 12,
                    "kind": "serious-incident",
                    "severity": "critical",
                    "title": "Applicants wrongly refused after a data feed outage",
                },
                request_only=True,
            )
        ],
        tags=["incidents"],
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = IncidentCreateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        incident = services.open_incident(actor=Actor.from_request(request), **data.validated_data)
        return Response(self.get_serializer(self._reload(incident)).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change an incident (status, kind, severity, description, findings)",
        description=(
            "Closing needs a resolution and, for reportable kinds, the report sent. "
            "Closed incidents are final."
        ),
        request=IncidentUpdateSerializer,
        responses={200: IncidentSerializer},
        tags=["incidents"],
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incident = self.get_object()
        data = IncidentUpdateSerializer(data=request.data, context={"request": request}, partial=True)
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        findings, evidence = changes.pop("findings", None), changes.pop("evidence", None)
        updated = services.update_incident(
            actor=Actor.from_request(request),
            incident=incident,
            findings=findings,
            evidence=evidence,
            **changes,
        )
        return Response(self.get_serializer(self._reload(updated)).data)

    @extend_schema(
        summary="Record the report sent to the authority",
        request=ReportSentSerializer,
        responses={200: IncidentSerializer},
        examples=[
            OpenApiExample(
                "Report sent",
                value={
                    "sent_at": "2026-03-04T09:30:00Z",
                    "recipient": "Market surveillance authority (BaFin)",
                    "reference": "MSA-2026-0042",
                },
                request_only=True,
            )
        ],
        tags=["incidents"],
    )
    @action(detail=True, methods=["post"])
    def report(self, request: Request, pk: str | None = None) -> Response:
        incident = self.get_object()
        data = ReportSentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        copy = fields.pop("copy", None)
        updated = services.record_report_sent(
            actor=Actor.from_request(request), incident=incident, file=copy, **fields
        )
        return Response(self.get_serializer(self._reload(updated)).data)

    @extend_schema(
        summary="Attach a file to an incident (multipart: label, file)",
        description="Checked like evidence uploads: size limit and allowed types detected from the content.",
        request={"multipart/form-data": IncidentFileInputSerializer},
        responses={201: IncidentFileSerializer},
        tags=["incidents"],
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def files(self, request: Request, pk: str | None = None) -> Response:
        incident = self.get_object()
        data = IncidentFileInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        attached = files.attach_incident_file(
            actor=Actor.from_request(request),
            incident=incident,
            file=data.validated_data["file"],
            label=data.validated_data["label"],
            purpose=IncidentFilePurpose.EVIDENCE,
        )
        return Response(IncidentFileSerializer(attached).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Download an incident file (audited)",
        responses={(200, "application/octet-stream"): bytes},
        tags=["incidents"],
    )
    @action(detail=True, methods=["get"], url_path=r"files/(?P<file_pk>[0-9]+)/download")
    def download(self, request: Request, pk: str | None = None, file_pk: str | None = None) -> FileResponse:
        incident = self.get_object()
        attached = get_object_or_404(IncidentFile, pk=file_pk, incident=incident)
        files.record_file_download(actor=Actor.from_request(request), attached=attached)
        return FileResponse(
            attached.file.open("rb"),
            as_attachment=True,
            filename=attached.original_name,
            content_type=attached.content_type,
        )

    def _reload(self, incident: Incident) -> Incident:
        return with_related(Incident.objects.all()).get(pk=incident.pk)


@extend_schema_view(
    list=extend_schema(summary="Incident kinds and their reporting deadlines", tags=["incidents"]),
    retrieve=extend_schema(summary="One incident kind", tags=["incidents"]),
)
class IncidentKindViewSet(
    IdempotentCommandsMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Everyone reads the kinds; administrators add and change them (each change audited)."""

    queryset = IncidentKind.objects.order_by("name")
    lookup_field = "slug"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_serializer_class(self) -> type[IncidentKindSerializer]:
        return IncidentKindUpdateSerializer if self.action == "partial_update" else IncidentKindSerializer

    @extend_schema(summary="Add an incident kind (admins)", tags=["incidents"])
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = IncidentKindSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        kind = kinds.save_incident_kind(actor=Actor.from_request(request), slug=fields.pop("slug"), **fields)
        return Response(IncidentKindSerializer(kind).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change an incident kind (admins); running deadlines keep their dates", tags=["incidents"]
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        kind = self.get_object()
        data = IncidentKindUpdateSerializer(kind, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        updated = kinds.save_incident_kind(
            actor=Actor.from_request(request), kind=kind, **data.validated_data
        )
        return Response(IncidentKindSerializer(updated).data)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.partial_update(request, *args, **kwargs)
