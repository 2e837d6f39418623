"""Fixed-window rate limits in the cache: sign-in failures, token failures, webhook intake.

A counter per (scope, identity, window) incremented atomically (Redis INCR in production), so a
check costs two cache calls however high the rate, unlike a per-request history. Rates are
"<count>/<sec|min|hour|day>" strings from settings.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, cast

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from rest_framework import exceptions
from rest_framework.throttling import BaseThrottle

PERIODS = {
    "s": 1,
    "sec": 1,
    "second": 1,
    "m": 60,
    "min": 60,
    "minute": 60,
    "h": 3600,
    "hour": 3600,
    "d": 86400,
    "day": 86400,
}


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int


def parse_rate(rate: str) -> Rate:
    count, _, period = rate.partition("/")
    return Rate(int(count), PERIODS[period.strip().lower()])


def rate_for(scope: str) -> Rate:
    rates: dict[str, str] = cast(dict[str, Any], settings.REST_FRAMEWORK)["DEFAULT_THROTTLE_RATES"]
    return parse_rate(rates[scope])


def _key(scope: str, ident: str, rate: Rate, now: float) -> tuple[str, int]:
    window = int(now // rate.seconds)
    retry_after = int(rate.seconds - now % rate.seconds) + 1
    return f"ratelimit:{scope}:{ident}:{window}", retry_after


def hit(scope: str, ident: str) -> tuple[bool, int]:
    """Count one event; (still within the limit?, seconds until the window resets)."""
    rate = rate_for(scope)
    key, retry_after = _key(scope, ident, rate, time.time())
    cache.add(key, 0, rate.seconds + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, rate.seconds + 1)
        count = 1
    return count <= rate.count, retry_after


def exceeded(scope: str, ident: str) -> int:
    """Seconds to wait if `ident` has used up `scope` in this window, else 0 (counts nothing)."""
    rate = rate_for(scope)
    key, retry_after = _key(scope, ident, rate, time.time())
    return retry_after if (cache.get(key) or 0) >= rate.count else 0


def client_ip(request: HttpRequest) -> str:
    """The client's address, as the outermost of our own proxies saw it.

    Behind STEWARD_PROXY_HOPS reverse proxies that each append to X-Forwarded-For, the entry that
    many places from the right; entries further left were written by the client and are not trusted.
    With no proxies (the default), the peer address.
    """
    hops = settings.STEWARD_PROXY_HOPS
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "") if hops else ""
    addresses = [address.strip() for address in forwarded.split(",") if address.strip()]
    if addresses:
        return addresses[-min(hops, len(addresses))]
    return request.META.get("REMOTE_ADDR", "") or "unknown"


class WebhookThrottle(BaseThrottle):
    """Per connection and sender address: STEWARD_WEBHOOK_RATE (answers 429 with Retry-After)."""

    scope = "webhook"

    def allow_request(self, request: Any, view: Any) -> bool:
        ident = f"{view.kwargs.get('key', '')}:{client_ip(request)}"
        allowed, self._wait = hit(self.scope, ident)
        return allowed

    def wait(self) -> float | None:
        return float(getattr(self, "_wait", 1))


def refuse_if_locked_out(scope: str, ident: str) -> None:
    wait = exceeded(scope, ident)
    if wait:
        raise exceptions.Throttled(wait, detail=f"Too many failed sign-in attempts; try again in {wait} s.")
