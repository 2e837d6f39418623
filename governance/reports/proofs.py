"""RFC 6962 / RFC 9162 inclusion proofs for a few leaves of a large tree, from one stream of leaves.

`governance.audit.merkle.MerkleTree` keeps every level in memory, which is fine for thousands of
leaves and too heavy for a million-event chain in a worker that must stay under 1 GB. Here the
leaves are streamed once through a binary-counter accumulator (as for checkpoint roots) and only the
nodes that some wanted proof needs are kept: memory is O(wanted * log size), whatever the chain's
length. The proofs are exactly MerkleTree.inclusion_proof's (the tests compare them) and verify
with `governance.audit.merkle.root_from_inclusion_proof`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from governance.audit.hashing import node_hash


def _level_sizes(size: int) -> list[int]:
    """Number of nodes at each level of the tree (level 0 = leaves), root level excluded."""
    sizes = []
    length = size
    while length > 1:
        sizes.append(length)
        length = (length + 1) // 2
    return sizes


@dataclass(frozen=True)
class ProofSet:
    size: int
    root: bytes
    proofs: dict[int, list[bytes]]  # 0-based leaf index -> audit path


def inclusion_proofs(leaves: Iterable[bytes], size: int, wanted: Collection[int]) -> ProofSet:
    """Root of the first `size` leaves and the audit path of each wanted (0-based) leaf index.

    Raises ValueError when the stream holds fewer than `size` leaves or an index is out of range.
    """
    if size < 1:
        raise ValueError("a Merkle tree needs at least one leaf")
    levels = _level_sizes(size)
    needed: list[set[int]] = [set() for _ in levels]
    for index in wanted:
        if not 0 <= index < size:
            raise ValueError(f"leaf index {index} is outside a tree of {size}")
        for height, length in enumerate(levels):
            sibling = (index >> height) ^ 1
            if sibling < length:
                needed[height].add(sibling)
    found: list[dict[int, bytes]] = [{} for _ in levels]

    stack: list[tuple[int, bytes]] = []
    count = 0
    for leaf in leaves:
        if count == size:
            break
        if levels and count in needed[0]:
            found[0][count] = leaf
        count += 1
        height, digest = 0, leaf
        while stack and stack[-1][0] == height:
            digest = node_hash(stack.pop()[1], digest)
            height += 1
            if height < len(levels) and needed[height]:
                index = (count >> height) - 1
                if index in needed[height]:
                    found[height][index] = digest
        stack.append((height, digest))
    if count < size:
        raise ValueError(f"the ledger holds {count} leaves, fewer than the {size} the checkpoint covers")

    # Nodes still missing are the right edge's partial nodes: the fold of the smaller subtrees.
    for height in range(len(levels)):
        for index in needed[height] - found[height].keys():
            lower = [d for h, d in stack if h < height]
            digest = lower[-1]
            for left in reversed(lower[:-1]):
                digest = node_hash(left, digest)
            found[height][index] = digest
    root = stack[-1][1]
    for _, left in reversed(stack[:-1]):
        root = node_hash(left, root)

    proofs = {}
    for index in wanted:
        path = []
        for height, length in enumerate(levels):
            sibling = (index >> height) ^ 1
            if sibling < length:
                path.append(found[height][sibling])
        proofs[index] = path
    return ProofSet(size=size, root=root, proofs=proofs)
