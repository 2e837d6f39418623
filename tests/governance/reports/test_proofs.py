"""Streaming inclusion proofs equal MerkleTree's and verify with root_from_inclusion_proof."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from governance.audit.merkle import MerkleTree, merkle_root, root_from_inclusion_proof
from governance.reports.proofs import inclusion_proofs


def leaves(n: int) -> list[bytes]:
    return [hashlib.sha256(i.to_bytes(4, "big")).digest() for i in range(n)]


@given(size=st.integers(1, 300), data=st.data())
@settings(max_examples=150, deadline=None)
def test_streamed_proofs_equal_the_in_memory_tree(size, data):
    all_leaves = leaves(size)
    wanted = data.draw(st.sets(st.integers(0, size - 1), min_size=1, max_size=12))
    tree = MerkleTree(all_leaves)
    proofs = inclusion_proofs(iter(all_leaves + leaves(3)), size, wanted)  # extra leaves are ignored
    assert proofs.root == tree.root == merkle_root(all_leaves)
    for index in wanted:
        assert proofs.proofs[index] == tree.inclusion_proof(index)
        assert root_from_inclusion_proof(all_leaves[index], index, size, proofs.proofs[index]) == tree.root


def test_every_leaf_of_awkward_sizes():
    for size in (1, 2, 3, 7, 8, 9, 1023, 1025):
        all_leaves = leaves(size)
        tree = MerkleTree(all_leaves)
        proofs = inclusion_proofs(iter(all_leaves), size, range(size))
        assert all(proofs.proofs[i] == tree.inclusion_proof(i) for i in range(size))


def test_a_short_stream_or_a_bad_index_is_refused():
    with pytest.raises(ValueError, match="fewer than"):
        inclusion_proofs(iter(leaves(5)), 8, [1])
    with pytest.raises(ValueError, match="outside"):
        inclusion_proofs(iter(leaves(8)), 8, [8])
