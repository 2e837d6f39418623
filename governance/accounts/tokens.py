"""API token format and hashing. Tokens look like `stw_<prefix>_<secret>`; only SHA-256 is stored."""

from __future__ import annotations

import hashlib
import secrets

TOKEN_PREFIX = "stw_"  # noqa: S105 - a public marker, not a secret


def new_token() -> tuple[str, str]:
    """A fresh (prefix, full token). The prefix is public; the whole token is the secret."""
    prefix = secrets.token_hex(5)
    return prefix, f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"


def hash_token(token: str) -> str:
    # A plain SHA-256 suffices: the token has 256 bits of entropy, so it cannot be guessed from its
    # hash, and a fast hash keeps authentication cheap.
    return hashlib.sha256(token.encode()).hexdigest()
