"""MLflow webhook signatures (reference §1.4): HMAC-SHA256 over "<delivery id>.<timestamp>.<raw body>".

Verification uses the raw bytes exactly as received (never re-serialised JSON), compares in
constant time and refuses timestamps outside the tolerance window, so a captured delivery cannot
be replayed later.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Mapping
from dataclasses import dataclass

DELIVERY_ID = "X-MLflow-Delivery-Id"
TIMESTAMP = "X-MLflow-Timestamp"
SIGNATURE = "X-MLflow-Signature"


@dataclass(frozen=True)
class SignatureCheck:
    """The outcome: ok, or the reason it failed (safe to show the caller)."""

    ok: bool
    reason: str = ""


def sign(secret: str, delivery_id: str, timestamp: str, body: bytes) -> str:
    """The `X-MLflow-Signature` value MLflow sends for this delivery."""
    message = f"{delivery_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def verify(
    secret: str, headers: Mapping[str, str], body: bytes, *, tolerance_s: int, now: float | None = None
) -> SignatureCheck:
    """Check the three MLflow headers against `secret`; every failure names its reason."""
    delivery_id, timestamp, signature = (headers.get(h, "") for h in (DELIVERY_ID, TIMESTAMP, SIGNATURE))
    missing = [
        h for h, v in ((DELIVERY_ID, delivery_id), (TIMESTAMP, timestamp), (SIGNATURE, signature)) if not v
    ]
    if missing:
        return SignatureCheck(False, f"Missing header(s): {', '.join(missing)}.")
    try:
        sent_at = int(timestamp)
    except ValueError:
        return SignatureCheck(False, f"{TIMESTAMP} must be Unix seconds.")
    current = time.time() if now is None else now
    if abs(current - sent_at) > tolerance_s:
        return SignatureCheck(
            False, f"{TIMESTAMP} is outside the ±{tolerance_s} s window (stale or replayed delivery)."
        )
    expected = sign(secret, delivery_id, timestamp, body)
    # The header may carry several space-separated signatures (secret rotation); any match counts.
    if any(hmac.compare_digest(expected.encode(), candidate.encode()) for candidate in signature.split()):
        return SignatureCheck(True)
    return SignatureCheck(False, "The signature does not match this connection's secret.")
