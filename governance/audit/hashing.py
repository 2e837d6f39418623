"""The fixed hash format of the ledger (DESIGN §4): RFC 8785 canonical JSON, leaf and link hashes.

    leaf = SHA-256(0x00 || canonical bytes)
    link = SHA-256(0x01 || previous link || leaf)      genesis previous link = 32 zero bytes

Values are raw 32-byte digests. The leaf is also the RFC 6962 leaf hash, so Merkle trees over the
chain (checkpoints, inclusion proofs) use the leaves as they are.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import rfc8785

GENESIS_LINK = bytes(32)
LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"


class CanonicalizationError(ValueError):
    """The value cannot be canonicalised (NaN, infinity, an unsafe integer or an unsupported type)."""


def canonical_json(value: Mapping[str, Any] | list[Any] | str | int | float | bool | None) -> bytes:
    """RFC 8785 (JCS) bytes of `value`; refuses NaN, infinities and integers beyond 2**53."""
    try:
        return rfc8785.dumps(value)
    except rfc8785.CanonicalizationError as exc:
        raise CanonicalizationError(str(exc)) from exc


def leaf_hash(canonical: bytes) -> bytes:
    return hashlib.sha256(LEAF_PREFIX + canonical).digest()


def link_hash(previous_link: bytes, leaf: bytes) -> bytes:
    return hashlib.sha256(NODE_PREFIX + previous_link + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """An interior Merkle node (RFC 6962 §2.1)."""
    return hashlib.sha256(NODE_PREFIX + left + right).digest()
