"""One place mapping errors to HTTP (house rule 5): 400 field errors, 403, 404, 409 with reasons."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from governance.audit.hashing import CanonicalizationError
from governance.bias_reviews.errors import BiasReviewConflict
from governance.integrations.errors import IntegrationStateError
from governance.inventory.errors import FrozenError
from governance.model_cards.errors import DocumentConflict
from governance.oversight.errors import OversightError
from lifecycle.exceptions import LifecycleError


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "Not possible in the object's current state."
    default_code = "conflict"


def validation_errors(exc: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {
            field: [str(m) for e in errors for m in e.messages] for field, errors in exc.error_dict.items()
        }
    return {"non_field_errors": [str(m) for m in exc.messages]}


def error_body(detail: str, code: str, **extra: Any) -> dict[str, Any]:
    return {"detail": detail, "code": code, **extra}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, LifecycleError):
        return Response(error_body(exc.message, exc.code, reasons=exc.reasons), status=exc.http_status)
    if isinstance(exc, IntegrationStateError):
        return Response(error_body(str(exc), exc.code, reasons=[str(exc)]), status=exc.http_status)
    if isinstance(exc, OversightError):
        return Response(exc.body(), status=exc.http_status)
    if isinstance(exc, FrozenError):
        return Response(error_body(str(exc), "read_only", reasons=[str(exc)]), status=409)
    if isinstance(exc, DocumentConflict | BiasReviewConflict):
        return Response(error_body(exc.message, exc.code, reasons=exc.reasons), status=exc.http_status)
    if isinstance(exc, DjangoValidationError):
        return Response(error_body("Invalid input.", "invalid", errors=validation_errors(exc)), status=400)
    if isinstance(exc, DataError) or (isinstance(exc, ValueError) and "NUL (0x00)" in str(exc)):
        # A value the database refuses (out of range, NUL characters) is bad input, not a crash.
        return Response(
            error_body("Invalid input.", "invalid", errors={"non_field_errors": [str(exc)]}), status=400
        )
    if isinstance(exc, ValueError | TypeError) and "expected a number but got" in str(exc):
        # A malformed id in the URL (the ORM refused to cast it) is an unknown object, not a crash.
        exc = exceptions.NotFound()
    if isinstance(exc, CanonicalizationError | ValueError) and not isinstance(exc, exceptions.APIException):
        if isinstance(exc, CanonicalizationError):
            return Response(
                error_body("Invalid input.", "invalid", errors={"non_field_errors": [str(exc)]}), status=400
            )
        return None
    if isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        response.data = error_body("Invalid input.", "invalid", errors=errors)
    elif isinstance(exc, exceptions.APIException):
        detail = response.data.get("detail", str(exc)) if isinstance(response.data, dict) else str(exc)
        codes = exc.get_codes()
        response.data = error_body(str(detail), codes if isinstance(codes, str) else "error")
    return response
