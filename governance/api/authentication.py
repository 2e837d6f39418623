"""Bearer-token authentication for the API: `Authorization: Bearer stw_…`."""

from __future__ import annotations

from typing import Any

from rest_framework import authentication, exceptions
from rest_framework.request import Request

from governance.accounts.services import authenticate_token
from governance.accounts.tokens import TOKEN_PREFIX
from governance.api.ratelimit import client_ip, hit, refuse_if_locked_out


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """Looks the token up by its SHA-256; expired, revoked or inactive-user tokens are refused."""

    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        scheme, _, secret = header.partition(" ")
        if scheme.lower() not in {"bearer", "token"}:
            return None
        # Failed token attempts count per address (STEWARD_AUTH_RATE); past the limit every attempt
        # from that address is refused for the rest of the window, so tokens cannot be guessed.
        ident = f"token-ip:{client_ip(request)}"
        refuse_if_locked_out("auth", ident)
        secret = secret.strip()
        if not secret.startswith(TOKEN_PREFIX):
            hit("auth", ident)
            raise exceptions.AuthenticationFailed("Malformed token.")
        token = authenticate_token(secret)
        if token is None:
            hit("auth", ident)
            raise exceptions.AuthenticationFailed("Invalid, expired or revoked token.")
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return self.keyword
