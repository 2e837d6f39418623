"""OpenAPI schema extensions: bearer tokens, the Idempotency-Key header and the error responses.

Every operation documents the error body Steward answers with (the exception handler's one
shape), so generated clients and the schemathesis contract test know every status they may see.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers

from governance.api.idempotency import HEADER, IdempotentCommandsMixin


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "governance.api.authentication.BearerTokenAuthentication"
    name = "bearerToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "stw_<prefix>_<secret>",
            "description": "A token from the *API tokens* page (scopes: read, write, integration).",
        }


class ErrorSerializer(serializers.Serializer):
    """The one error body (governance.api.exceptions)."""

    detail = serializers.CharField(help_text="What went wrong, for people.")
    code = serializers.CharField(help_text="Machine-readable, e.g. invalid, not_found, gates_not_met.")
    reasons = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="Every unmet condition (409, 403)."
    )
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.JSONField(), required=False, help_text="Field → messages (400)."
    )


ERRORS_ALWAYS = {
    "401": "Not signed in, or the token is invalid, expired or revoked.",
    "403": "Signed in, but not allowed (role, token scope, or separation of duties).",
    "404": "No such object, or not one you may see.",
    "406": "The Accept header asks for a format Steward does not produce.",
    "429": "Too many requests or failed sign-ins; see Retry-After.",
}
ERRORS_WITH_INPUT = {
    "400": "Invalid input; `errors` names each field.",
    "409": "Not possible in the object's current state; `reasons` lists why.",
    "413": "The request body is larger than the limit.",
    "415": "Unsupported Content-Type.",
}
ERRORS_WITH_QUERY = {"400": "Invalid query parameters; `errors` names each one."}


def is_idempotent(view: Any, method: str) -> bool:
    if method != "POST":
        return False
    if isinstance(view, IdempotentCommandsMixin):
        return True
    handler = getattr(view, getattr(view, "action", None) or "", None) or getattr(view, "post", None)
    return bool(getattr(handler, "idempotent", False))


class StewardAutoSchema(AutoSchema):
    """AutoSchema plus Idempotency-Key on idempotent POSTs and the error responses of every operation."""

    def get_override_parameters(self) -> list[Any]:
        parameters = list(super().get_override_parameters())
        if is_idempotent(self.view, self.method):
            parameters.append(
                OpenApiParameter(
                    HEADER,
                    str,
                    OpenApiParameter.HEADER,
                    required=False,
                    description=(
                        "Optional, 1-255 visible ASCII characters (e.g. a UUID). Repeating the request with "
                        "the same key and body returns the first response (header Idempotent-Replayed: true) "
                        "without a second effect; the same key with another body answers 409. Kept 24 h."
                    ),
                )
            )
        return parameters

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        errors = dict(ERRORS_ALWAYS)
        errors |= (
            ERRORS_WITH_INPUT if self.method in {"POST", "PUT", "PATCH", "DELETE"} else ERRORS_WITH_QUERY
        )
        for code, description in sorted(errors.items()):
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    OpenApiResponse(ErrorSerializer, description=description), code, direction=direction
                )
        return responses
