"""Electronic signatures: proof that the signer re-authenticated just before signing.

Web: the decide form carries the password, checked here. API: the caller first mints a signing token
with the password (POST /api/v1/signing-tokens/); the token is valid for a few minutes, bound to its
user and consumed by the decision that uses it, in the decision's transaction (a refused decision
leaves it unused). Integration tokens never sign.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from governance.accounts.models import User
from governance.audit.actors import Actor
from lifecycle.approvals.errors import SignatureFailed
from lifecycle.models import SigningToken

SIGNING_TOKEN_PREFIX = "sig_"  # noqa: S105 - a public marker, not a secret


@dataclass(frozen=True)
class Signature:
    """What the signer presented: a password (web) or a signing token (API)."""

    password: str | None = None
    token: str | None = None

    @property
    def method(self) -> str:
        return "password" if self.password is not None else "signing_token"


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _require_person(actor: Actor) -> User:
    if actor.is_integration:
        raise SignatureFailed("Integration tokens may never sign approval decisions.")
    if actor.token is not None and actor.token.scope == "read":
        raise SignatureFailed("A read-only token cannot sign decisions.")
    user = actor.user
    if user is None or not user.is_active:
        raise SignatureFailed("Only an active person can sign.")
    return user


@transaction.atomic
def mint_signing_token(*, actor: Actor, password: str) -> tuple[str, SigningToken]:
    """Check the password and issue a single-use signing token (secret returned once)."""
    user = _require_person(actor)
    if not password or not user.check_password(password):
        raise SignatureFailed("The password is incorrect.", ["Re-enter your own password to sign."])
    secret = f"{SIGNING_TOKEN_PREFIX}{secrets.token_urlsafe(32)}"
    now = timezone.now()
    token = SigningToken.objects.create(
        user=user,
        key_hash=_hash(secret),
        created_at=now,
        expires_at=now + timedelta(seconds=settings.STEWARD_SIGNING_TOKEN_SECONDS),
    )
    return secret, token


def verify_signature(actor: Actor, signature: Signature) -> str:
    """Authenticate the signer again; returns the method. Must run inside the decision's transaction."""
    user = _require_person(actor)
    if signature.password is not None:
        if not user.check_password(signature.password):
            raise SignatureFailed("The password is incorrect.", ["Re-enter your own password to sign."])
        return signature.method
    if not signature.token:
        raise SignatureFailed(
            "A signature is required.",
            ["Sign with your password (web) or a fresh signing token (API: POST /api/v1/signing-tokens/)."],
        )
    token = (
        SigningToken.objects.select_for_update().filter(key_hash=_hash(signature.token), user=user).first()
    )
    now = timezone.now()
    if token is None or token.used_at is not None or token.expires_at <= now:
        raise SignatureFailed(
            "The signing token is unknown, used or expired.",
            ["Mint a fresh signing token with your password and sign within its lifetime."],
        )
    token.used_at = now
    token.save(update_fields=["used_at"])
    return signature.method
