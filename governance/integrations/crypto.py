"""Encryption of integration secrets at rest (webhook secrets, registry callback tokens).

Fernet (AES-128-CBC + HMAC-SHA256) with keys from STEWARD_INTEGRATION_KEYS (comma-separated; the
first encrypts, all decrypt, so keys can be rotated), or, when that is unset, one key derived from
SECRET_KEY with HKDF. Secrets are decrypted only where they are used: to verify a signature or to
call the registry.
"""

from __future__ import annotations

import base64
import secrets
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


class SecretUnavailable(Exception):
    """A stored secret cannot be decrypted (the encryption key changed)."""


def _fernet_key(material: str) -> bytes:
    """A Fernet key from a configured value: a real Fernet key as given, anything else through HKDF."""
    try:
        if len(base64.urlsafe_b64decode(material.encode())) == 32:
            return material.encode()
    except ValueError:
        pass
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"steward-integration-secrets")
    return base64.urlsafe_b64encode(derived.derive(material.encode()))


@lru_cache(maxsize=4)
def _cipher(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(_fernet_key(k)) for k in keys])


def cipher() -> MultiFernet:
    configured = tuple(settings.STEWARD_INTEGRATION_KEYS) or (settings.SECRET_KEY,)
    return _cipher(configured)


def encrypt_secret(plain: str) -> str:
    return cipher().encrypt(plain.encode()).decode() if plain else ""


def decrypt_secret(token: str) -> str:
    if not token:
        return ""
    try:
        return cipher().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise SecretUnavailable(
            "A stored integration secret cannot be decrypted: STEWARD_INTEGRATION_KEYS or SECRET_KEY changed."
        ) from exc


def new_webhook_secret() -> str:
    """A fresh webhook secret (256 bits, URL-safe), shown to the administrator once."""
    return "whs_" + secrets.token_urlsafe(32)
