"""Merkle roots and inclusion proofs against RFC 6962 §2.1's recursive definitions, for sizes 1..70."""

from __future__ import annotations

import hashlib

import pytest

from governance.audit.hashing import leaf_hash
from governance.audit.merkle import MerkleAccumulator, MerkleTree, merkle_root, root_from_inclusion_proof

SIZES = range(1, 71)


def mth(entries: list[bytes]) -> bytes:
    """RFC 6962 §2.1 Merkle Tree Hash, written straight from the RFC's recursion."""
    n = len(entries)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + entries[0]).digest()
    k = 1 << ((n - 1).bit_length() - 1)  # the largest power of two smaller than n
    return hashlib.sha256(b"\x01" + mth(entries[:k]) + mth(entries[k:])).digest()


def path(m: int, entries: list[bytes]) -> list[bytes]:
    """RFC 6962 §2.1.1 PATH(m, D[n]): the audit path of entry m."""
    n = len(entries)
    if n == 1:
        return []
    k = 1 << ((n - 1).bit_length() - 1)
    if m < k:
        return [*path(m, entries[:k]), mth(entries[k:])]
    return [*path(m - k, entries[k:]), mth(entries[:k])]


def entries_of(size: int) -> list[bytes]:
    return [f'{{"seq":{i}}}'.encode() for i in range(1, size + 1)]


@pytest.mark.parametrize("size", SIZES)
def test_roots_match_rfc_6962(size):
    entries = entries_of(size)
    leaves = [leaf_hash(e) for e in entries]
    expected = mth(entries)
    assert merkle_root(leaves) == expected
    assert MerkleTree(leaves).root == expected


def test_the_accumulator_gives_the_root_of_every_prefix():
    entries = entries_of(max(SIZES))
    acc = MerkleAccumulator()
    for size, entry in enumerate(entries, start=1):
        acc.add(leaf_hash(entry))
        assert acc.size == size
        assert acc.root() == mth(entries[:size])


@pytest.mark.parametrize("size", SIZES)
def test_inclusion_proofs_match_rfc_6962_and_recompute_the_root(size):
    entries = entries_of(size)
    leaves = [leaf_hash(e) for e in entries]
    tree = MerkleTree(leaves)
    root = mth(entries)
    for index in range(size):
        proof = tree.inclusion_proof(index)
        assert proof == path(index, entries)
        assert root_from_inclusion_proof(leaves[index], index, size, proof) == root


@pytest.mark.parametrize("size", [2, 3, 7, 8, 13, 64, 70])
def test_a_wrong_leaf_index_or_proof_does_not_give_the_root(size):
    entries = entries_of(size)
    leaves = [leaf_hash(e) for e in entries]
    tree = MerkleTree(leaves)
    root = tree.root
    for index in range(size):
        proof = tree.inclusion_proof(index)
        other = (index + 1) % size
        assert root_from_inclusion_proof(leaves[other], index, size, proof) != root
        if proof:
            bent = [bytes(32), *proof[1:]]
            assert root_from_inclusion_proof(leaves[index], index, size, bent) != root
            with pytest.raises(ValueError, match="too short"):
                root_from_inclusion_proof(leaves[index], index, size, proof[:-1])
        with pytest.raises(ValueError, match="too long"):
            root_from_inclusion_proof(leaves[index], index, size, [*proof, bytes(32)])


def test_bad_shapes_are_refused():
    with pytest.raises(ValueError, match="outside"):
        root_from_inclusion_proof(leaf_hash(b"x"), 3, 3, [])
    with pytest.raises(ValueError):
        MerkleTree([])
    with pytest.raises(ValueError):
        MerkleAccumulator().root()
    with pytest.raises(IndexError):
        MerkleTree([leaf_hash(b"x")]).inclusion_proof(1)
