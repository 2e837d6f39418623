"""API permissions by token scope. Object visibility and roles are checked by queries and services."""

from __future__ import annotations

from typing import Any, cast

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from governance.accounts.models import ApiToken, User
from governance.accounts.roles import TokenScope


class TokenScopePermission(BasePermission):
    """Signed in, and the token's scope covers the method.

    read tokens: safe methods only. write tokens: everything their user may do. integration tokens:
    safe methods plus views marked `integration_allowed` (registry and monitoring endpoints).
    """

    message = "This token's scope does not allow this request."

    def has_permission(self, request: Request, view: Any) -> bool:
        if not (request.user and request.user.is_authenticated and request.user.is_active):
            return False
        token = request.auth
        if not isinstance(token, ApiToken):
            return True
        if request.method in SAFE_METHODS:
            return True
        if token.scope == TokenScope.WRITE:
            return True
        if token.scope == TokenScope.INTEGRATION:
            return bool(getattr(view, "integration_allowed", False))
        return False


def request_user(request: Request) -> User:
    """The signed-in user of an API request (TokenScopePermission has already refused anonymous ones)."""
    return cast(User, request.user)
