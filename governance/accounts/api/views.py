"""Account API: the caller, teams, and the caller's tokens (admins see all)."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from governance.accounts import services
from governance.accounts.api.serializers import (
    IssuedTokenSerializer,
    MeSerializer,
    TeamSerializer,
    TokenCreateSerializer,
    TokenSerializer,
)
from governance.accounts.models import ApiToken, Team
from governance.accounts.roles import Role
from governance.api.idempotency import IdempotentCommandsMixin
from governance.api.permissions import request_user
from governance.audit.actors import Actor


class MeView(generics.RetrieveAPIView):
    serializer_class = MeSerializer

    @extend_schema(summary="The signed-in user, roles and teams", tags=["accounts"])
    def get(self, request: Request, *args: object, **kwargs: object) -> Response:
        return Response(MeSerializer(request.user).data)


@extend_schema_view(
    list=extend_schema(summary="Teams", tags=["accounts"]),
    retrieve=extend_schema(summary="One team", tags=["accounts"]),
)
class TeamViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = TeamSerializer
    queryset = Team.objects.order_by("name")
    lookup_field = "slug"


@extend_schema_view(
    list=extend_schema(summary="Your API tokens (admins: all)", tags=["accounts"]),
    retrieve=extend_schema(summary="One token (never its secret)", tags=["accounts"]),
)
class TokenViewSet(
    IdempotentCommandsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = TokenSerializer

    def get_queryset(self) -> QuerySet[ApiToken]:
        qs = ApiToken.objects.select_related("user").order_by("-created_at", "-pk")
        if getattr(self, "swagger_fake_view", False):
            return qs.none()
        if request_user(self.request).has_role(Role.ADMIN):
            return qs
        return qs.filter(user=request_user(self.request))

    @extend_schema(
        summary="Create a token for yourself (from a signed-in session)",
        description="The secret is in this response only; Steward stores its SHA-256.",
        request=TokenCreateSerializer,
        responses={201: IssuedTokenSerializer},
        tags=["accounts"],
    )
    def create(self, request: Request) -> Response:
        data = TokenCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        issued = services.create_token(
            actor=Actor.from_request(request), user=request_user(request), **data.validated_data
        )
        body = TokenSerializer(issued.token).data | {"secret": issued.secret}
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Revoke a token", request=None, responses=TokenSerializer, tags=["accounts"])
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk: str | None = None) -> Response:
        token = self.get_object()
        services.revoke_token(actor=Actor.from_request(request), token=token)
        token.refresh_from_db()
        return Response(TokenSerializer(token).data)
