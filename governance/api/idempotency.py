"""Idempotency-Key for POST commands: same key and body → the same response and no second effect.

Add `IdempotentCommandsMixin` to a DRF view (first in the bases) and every POST handler of it
honours the header; or decorate one handler with `@idempotent`. The key is scoped to the user.
The stored response is written in the command's own transaction, so an effect and its record
commit together; a concurrent duplicate waits on the unique key and then replays. Only successful
(2xx) responses are stored: a refused command had no effect, so its retry simply runs again. The
same key with another method, path or body answers 409. Keys expire after
STEWARD_IDEMPOTENCY_TTL_HOURS (a periodic task purges them).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework import exceptions, status
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from governance.api.models import IdempotencyRecord
from governance.api.permissions import request_user

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
_VALID_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")


class IdempotencyKeyReused(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "This Idempotency-Key was already used for a different request."
    default_code = "idempotency_key_reused"


class _Discard(Exception):
    """Roll the record back: the command answered with an error and had no effect."""

    def __init__(self, response: Response) -> None:
        self.response = response


def fingerprint(request: Request) -> str:
    """SHA-256 over method, path and body (for uploads: the form fields and each file's content)."""
    digest = hashlib.sha256(f"{request.method}\0{request.path}\0".encode())
    if (request.content_type or "").startswith("multipart/"):
        for name, value in sorted(request.data.items()):  # type: ignore[union-attr]
            digest.update(f"{name}={value}\0".encode())
        for name, upload in sorted(request.FILES.items()):
            digest.update(f"{name}:{upload.name}:{upload.size}\0".encode())
            for chunk in upload.chunks():
                digest.update(chunk)
            upload.seek(0)
    else:
        digest.update(request.body)
    return digest.hexdigest()


def _replay(record: IdempotencyRecord, print_: str) -> Response:
    if record.fingerprint != print_:
        raise IdempotencyKeyReused(
            f"The Idempotency-Key was used for {record.method} {record.path} with another body; "
            "use a new key for a new request."
        )
    return Response(record.body, status=record.status_code, headers={**record.headers, REPLAYED: "true"})


def run_idempotently(request: Request, key: str, handler: Callable[[], Response]) -> Response:
    """Run `handler` once per (user, key); replay its stored response for a repeat."""
    if not _VALID_KEY.match(key):
        raise exceptions.ValidationError({HEADER: ["Use 1-255 visible ASCII characters, e.g. a UUID."]})
    user = request_user(request)
    print_ = fingerprint(request)
    cutoff = timezone.now() - timedelta(hours=settings.STEWARD_IDEMPOTENCY_TTL_HOURS)
    IdempotencyRecord.objects.filter(user=user, key=key, created_at__lt=cutoff).delete()
    existing = IdempotencyRecord.objects.filter(user=user, key=key).first()
    if existing is not None:
        return _replay(existing, print_)
    try:
        with transaction.atomic():
            try:
                with transaction.atomic():
                    record = IdempotencyRecord.objects.create(
                        user=user,
                        key=key,
                        fingerprint=print_,
                        method=request.method or "",
                        path=request.path[:500],
                        status_code=0,
                    )
            except IntegrityError:
                record = None  # a concurrent request with this key committed first
            if record is not None:
                response = handler()
                if not 200 <= response.status_code < 300:
                    raise _Discard(response)
                data = response.data
                record.body = None if data is None else json.loads(JSONRenderer().render(data))
                record.status_code = response.status_code
                record.headers = {h: response[h] for h in ("Location",) if response.has_header(h)}
                record.save(update_fields=["body", "status_code", "headers"])
                return response
    except _Discard as discarded:
        return discarded.response
    return _replay(IdempotencyRecord.objects.get(user=user, key=key), print_)


def idempotent(handler: Callable[..., Response]) -> Callable[..., Response]:
    """Decorate a DRF handler (`def post(self, request, ...)`) to honour Idempotency-Key."""

    @wraps(handler)
    def wrapper(self: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        key = request.headers.get(HEADER)
        if key is None:
            return handler(self, request, *args, **kwargs)
        return run_idempotently(request, key, lambda: handler(self, request, *args, **kwargs))

    wrapper.idempotent = True  # type: ignore[attr-defined]  # read by the OpenAPI schema
    return wrapper


class IdempotentCommandsMixin:
    """Every POST handler of the view honours Idempotency-Key (put the mixin first in the bases)."""

    idempotent_methods = frozenset({"POST"})

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]  # authentication runs first
        key = request.headers.get(HEADER)
        method = (request.method or "").lower()
        if key is None or request.method not in self.idempotent_methods:
            return
        handler = getattr(self, method, None)
        if handler is None or getattr(handler, "idempotent", False):
            return

        def wrapped(req: Request, *a: Any, **kw: Any) -> Response:
            return run_idempotently(req, key, lambda: handler(req, *a, **kw))

        setattr(self, method, wrapped)


@transaction.atomic
def purge_expired() -> int:
    """Delete stored responses older than the TTL."""
    cutoff = timezone.now() - timedelta(hours=settings.STEWARD_IDEMPOTENCY_TTL_HOURS)
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
