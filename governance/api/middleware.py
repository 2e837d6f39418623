"""Request limits before any view runs: body size (413) and sign-in lockout after failures (429).

API paths that match no route answer a JSON 404 like every other API error. Body limits are checked
on Content-Length, so an oversized body is refused without being read:
STEWARD_MAX_REQUEST_BODY_BYTES for ordinary requests, STEWARD_MAX_UPLOAD_BYTES for multipart
uploads (their own services apply finer limits), STEWARD_MAX_WEBHOOK_BODY_BYTES for registry
webhooks. Sign-in failures are counted per address and per username (the user_login_failed
signal); once STEWARD_AUTH_RATE is used up, POSTs to the login page answer 429 until the window ends.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse

from governance.api.ratelimit import client_ip, exceeded, hit

WEBHOOK_PREFIX = "/api/v1/integrations/"


def _limit_for(request: HttpRequest) -> int:
    if request.path.startswith(WEBHOOK_PREFIX) and "/hooks/" in request.path:
        return settings.STEWARD_MAX_WEBHOOK_BODY_BYTES
    if (request.content_type or "").startswith("multipart/"):
        return settings.STEWARD_MAX_UPLOAD_BYTES
    return settings.STEWARD_MAX_REQUEST_BODY_BYTES


def _error(request: HttpRequest, status: int, detail: str, code: str, **headers: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse({"detail": detail, "code": code}, status=status)
    else:
        response = HttpResponse(detail, status=status, content_type="text/plain; charset=utf-8")
    for name, value in headers.items():
        response[name] = value
    return response


def too_large(request: HttpRequest, size: int | None, limit: int) -> HttpResponse:
    got = f"{size} bytes" if size is not None else "more"
    return _error(
        request,
        413,
        f"Request body too large: {got}; the limit for this endpoint is {limit} bytes.",
        "payload_too_large",
    )


class RequestLimitsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = _limit_for(request)
        try:
            size = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return _error(request, 400, "Content-Length must be a number of bytes.", "invalid")
        if size > limit:
            return too_large(request, size, limit)
        if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", ""):
            return _error(request, 400, "NUL characters are not allowed in URLs.", "invalid")
        if request.method == "POST" and request.path == reverse("login"):
            wait = exceeded("auth", f"ip:{client_ip(request)}") or exceeded(
                "auth", "user:" + request.POST.get("username", "").strip().lower()
            )
            if wait:
                return _error(
                    request,
                    429,
                    f"Too many failed sign-in attempts; try again in {wait} seconds.",
                    "throttled",
                    **{"Retry-After": str(wait)},
                )
        response = self.get_response(request)
        if (
            response.status_code == 404
            and request.path.startswith("/api/")
            and response.get("Content-Type", "").startswith("text/html")
        ):
            # No API route matched (e.g. a malformed id): answer like every other API 404, in JSON.
            return _error(request, 404, "Not found.", "not_found")
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, RequestDataTooBig):
            return too_large(request, None, _limit_for(request))
        return None


def count_login_failure(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    """user_login_failed receiver: one failure against the address and the username."""
    if request is None:
        return
    hit("auth", f"ip:{client_ip(request)}")
    username = str(credentials.get("username", "")).strip().lower()
    if username:
        hit("auth", f"user:{username}")
