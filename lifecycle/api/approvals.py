"""Approvals API: requests (read), the decisions command, signing tokens, the gates dry run, reopen.

Every object is looked up among those the caller may see (404 otherwise); every write goes through
the approval services, whose errors the one exception handler maps (400/403/409 with reasons).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from governance.api.idempotency import IdempotentCommandsMixin
from governance.api.permissions import request_user
from governance.audit.actors import Actor
from lifecycle.api.approval_serializers import (
    ApprovalRequestSerializer,
    DecisionCommandSerializer,
    DecisionResultSerializer,
    DryRunSerializer,
    SigningTokenCommandSerializer,
    SigningTokenSerializer,
)
from lifecycle.api.views import GovernedObjectMixin
from lifecycle.approvals.decisions import decide
from lifecycle.approvals.dry_run import dry_run
from lifecycle.approvals.requests import reopen_request
from lifecycle.approvals.signing import Signature, mint_signing_token
from lifecycle.models import ApprovalRequest, Purpose, RequestStatus
from lifecycle.queries import visible_assets


class RequestFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=RequestStatus.choices)
    purpose = filters.ChoiceFilter(choices=Purpose.choices)
    asset = filters.CharFilter(field_name="asset__slug")
    version = filters.NumberFilter(field_name="version_id")

    class Meta:
        model = ApprovalRequest
        fields = ["status", "purpose", "asset", "version"]


@extend_schema_view(
    list=extend_schema(summary="Approval requests you may see, newest first", tags=["approvals"]),
    retrieve=extend_schema(summary="One request with every signed decision", tags=["approvals"]),
)
class ApprovalRequestViewSet(
    IdempotentCommandsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Requests are opened by the lifecycle (validation, proposals, reviews); decided with `decisions`."""

    serializer_class = ApprovalRequestSerializer
    filterset_class = RequestFilter

    def get_queryset(self) -> QuerySet[ApprovalRequest]:
        return (
            ApprovalRequest.objects.filter(asset__in=visible_assets(request_user(self.request)))
            .select_related("asset", "policy")
            .prefetch_related("decisions")
            .order_by("-opened_at", "-pk")
        )

    @extend_schema(
        summary="Sign a decision (electronic signature)",
        description=(
            "Approve, approve with conditions, reject or send back. Needs a fresh `signing_token` "
            "(POST /api/v1/signing-tokens/ with your password; single use, valid a few minutes) and the "
            "`digest_seen` you reviewed. 400: bad input (missing comment, bad conditions); 403: wrong "
            "or used signature, separation of duties, integration tokens; 409: already decided, request "
            "closed or stale, digest changed (the request is then marked stale), gates unmet."
        ),
        request=DecisionCommandSerializer,
        responses={201: DecisionResultSerializer},
        examples=[
            OpenApiExample(
                "Approve with a condition",
                value={
                    "meaning": "approve_with_conditions",
                    "comment": "Fine for the pilot.",
                    "conditions": [{"title": "Re-run the stress test", "due_date": "2027-01-31"}],
                    "digest_seen": "9f2c…64 hex characters",
                    "signing_token": "sig_…",
                },
                request_only=True,
            )
        ],
        tags=["approvals"],
    )
    @action(detail=True, methods=["post"], url_path="decisions")
    def decisions(self, request: Request, pk: str | None = None) -> Response:
        approval = self.get_object()
        command = DecisionCommandSerializer(data=request.data)
        command.is_valid(raise_exception=True)
        data = command.validated_data
        decision = decide(
            approval.pk,
            actor=Actor.from_request(request),
            meaning=data["meaning"],
            comment=data["comment"],
            conditions=data["conditions"],
            digest_seen=data["digest_seen"],
            signature=Signature(token=data["signing_token"]),
        )
        approval.refresh_from_db()
        subject = approval.version or approval.asset
        subject.refresh_from_db()
        body = {"decision": decision, "request_status": approval.status, "stage": subject.stage}
        return Response(DecisionResultSerializer(body).data, status=status.HTTP_201_CREATED)


class SigningTokenView(IdempotentCommandsMixin, APIView):
    """Mint a single-use signing token with your password (the API's electronic-signature step)."""

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"

    @extend_schema(
        summary="Mint a signing token",
        description="403 for a wrong password, integration or read-only tokens. The token is shown once.",
        request=SigningTokenCommandSerializer,
        responses={201: SigningTokenSerializer},
        tags=["approvals"],
    )
    def post(self, request: Request) -> Response:
        command = SigningTokenCommandSerializer(data=request.data)
        command.is_valid(raise_exception=True)
        secret, token = mint_signing_token(
            actor=Actor.from_request(request), password=command.validated_data["password"]
        )
        body = {"signing_token": secret, "expires_at": token.expires_at}
        return Response(SigningTokenSerializer(body).data, status=status.HTTP_201_CREATED)


class GatesDryRunView(GovernedObjectMixin):
    """Every rule of the governing policy with pass/fail and the reason, for the caller."""

    @extend_schema(summary="Gates dry run", responses=DryRunSerializer, tags=["approvals"])
    def get(self, request: Request, **kwargs: Any) -> Response:
        return Response(DryRunSerializer(dry_run(self.get_governed(), request_user(request))).data)


class RequestApprovalView(IdempotentCommandsMixin, GovernedObjectMixin):
    """Open a fresh request after the last went stale (the validator) or a proposal was sent back (owners)."""

    @extend_schema(
        summary="Ask for approval again",
        request=None,
        responses={201: ApprovalRequestSerializer},
        tags=["approvals"],
    )
    def post(self, request: Request, **kwargs: Any) -> Response:
        new = reopen_request(self.get_governed(), actor=Actor.from_request(request))
        approval = get_object_or_404(ApprovalRequest.objects.select_related("asset", "policy"), pk=new.pk)
        return Response(ApprovalRequestSerializer(approval).data, status=status.HTTP_201_CREATED)
