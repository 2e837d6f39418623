"""Ed25519 keys for checkpoint signatures.

Only the checkpoint writer loads the private key (`load_signing_key`); everything else — the web
process, verification, reports — needs only the public key. In development (DEBUG on) a key pair
is generated under var/keys on first use; with DEBUG off settings refuse to start without one.
"""

from __future__ import annotations

import base64
import hashlib
import os
from functools import lru_cache
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings


class SigningKeyError(RuntimeError):
    """The checkpoint key is missing or unreadable."""


def generate_key_pair(private_path: Path, public_path: Path) -> Ed25519PublicKey:
    """Write a new Ed25519 pair: the private key as PKCS#8 PEM (mode 0600), the public key as PEM."""
    private_path.parent.mkdir(parents=True, exist_ok=True)
    public_path.parent.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    public = key.public_key()
    public_path.write_bytes(
        public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    return public


def _ensure_development_pair() -> None:
    private_path = Path(settings.STEWARD_CHECKPOINT_KEY_FILE)
    public_path = Path(settings.STEWARD_CHECKPOINT_PUBLIC_KEY_FILE)
    if settings.DEBUG and not private_path.exists() and not public_path.exists():
        generate_key_pair(private_path, public_path)


def load_signing_key() -> Ed25519PrivateKey:
    """The private key; called only by the checkpoint writer."""
    _ensure_development_pair()
    path = Path(settings.STEWARD_CHECKPOINT_KEY_FILE)
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError) as exc:
        raise SigningKeyError(f"cannot read the checkpoint signing key {path}: {exc}") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError(f"{path} is not an Ed25519 private key")
    return key


def public_key_from_pem(pem: bytes) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(pem)
    if not isinstance(key, Ed25519PublicKey):
        raise SigningKeyError("not an Ed25519 public key")
    return key


@lru_cache(maxsize=4)
def _load_public_key(path: str, mtime: float) -> Ed25519PublicKey:
    return public_key_from_pem(Path(path).read_bytes())


def load_public_key() -> Ed25519PublicKey:
    _ensure_development_pair()
    path = Path(settings.STEWARD_CHECKPOINT_PUBLIC_KEY_FILE)
    try:
        return _load_public_key(str(path), path.stat().st_mtime)
    except (OSError, ValueError) as exc:
        raise SigningKeyError(f"cannot read the checkpoint public key {path}: {exc}") from exc


def public_key_pem(key: Ed25519PublicKey | None = None) -> str:
    key = key or load_public_key()
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def key_id(key: Ed25519PublicKey) -> str:
    """The key's fingerprint: hex SHA-256 of the raw 32-byte public key."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def fingerprint_display(key: Ed25519PublicKey | None = None) -> str:
    """The fingerprint as people compare it: SHA256: and colon-separated byte pairs of its first 16 bytes."""
    digest = key_id(key or load_public_key())
    return "SHA256:" + ":".join(digest[i : i + 2] for i in range(0, 32, 2))


def sign(key: Ed25519PrivateKey, message: bytes) -> str:
    return base64.b64encode(key.sign(message)).decode()


def signature_is_valid(key: Ed25519PublicKey, message: bytes, signature_b64: str) -> bool:
    try:
        key.verify(base64.b64decode(signature_b64, validate=True), message)
    except (InvalidSignature, ValueError):
        return False
    return True
