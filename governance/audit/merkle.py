"""RFC 6962 / RFC 9162 Merkle trees over ledger leaves: streaming roots and inclusion proofs."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from governance.audit.hashing import node_hash


class MerkleAccumulator:
    """Streams leaves and yields the RFC 6962 root of every prefix in O(log n) memory.

    Keeps the roots of the perfect subtrees of the leaves seen so far (like a binary counter);
    the root of the whole prefix folds them from the right, which is exactly MTH's split rule.
    """

    __slots__ = ("_stack", "size")

    def __init__(self) -> None:
        self._stack: list[tuple[int, bytes]] = []
        self.size = 0

    def add(self, leaf: bytes) -> None:
        height, digest = 0, leaf
        stack = self._stack
        while stack and stack[-1][0] == height:
            _, left = stack.pop()
            digest = node_hash(left, digest)
            height += 1
        stack.append((height, digest))
        self.size += 1

    def root(self) -> bytes:
        if not self._stack:
            raise ValueError("the Merkle root of an empty tree is not used by Steward")
        digest = self._stack[-1][1]
        for _, left in reversed(self._stack[:-1]):
            digest = node_hash(left, digest)
        return digest


def merkle_root(leaves: Iterable[bytes]) -> bytes:
    acc = MerkleAccumulator()
    for leaf in leaves:
        acc.add(leaf)
    return acc.root()


class MerkleTree:
    """All levels of the tree over `leaves`, for many inclusion proofs against one root.

    Built bottom-up, carrying an unpaired last node up unchanged: this gives the same tree as
    RFC 6962's "split at the largest power of two" definition.
    """

    def __init__(self, leaves: Sequence[bytes]) -> None:
        if not leaves:
            raise ValueError("a Merkle tree needs at least one leaf")
        self.levels: list[list[bytes]] = [list(leaves)]
        while len(self.levels[-1]) > 1:
            level = self.levels[-1]
            parents = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
            if len(level) % 2:
                parents.append(level[-1])
            self.levels.append(parents)

    @property
    def size(self) -> int:
        return len(self.levels[0])

    @property
    def root(self) -> bytes:
        return self.levels[-1][0]

    def inclusion_proof(self, index: int) -> list[bytes]:
        """The audit path of leaf `index` (0-based), as RFC 9162 §2.1.3.1 defines it."""
        if not 0 <= index < self.size:
            raise IndexError(index)
        path = []
        for level in self.levels[:-1]:
            sibling = index ^ 1
            if sibling < len(level):
                path.append(level[sibling])
            index >>= 1
        return path


def root_from_inclusion_proof(leaf: bytes, index: int, size: int, proof: Sequence[bytes]) -> bytes:
    """Recompute the root from a leaf and its audit path (RFC 9162 §2.1.3.2); raises on a bad shape."""
    if not 0 <= index < size:
        raise ValueError("leaf index outside the tree")
    fn, sn = index, size - 1
    digest = leaf
    for sibling in proof:
        if sn == 0:
            raise ValueError("inclusion proof is too long")
        if fn & 1 or fn == sn:
            digest = node_hash(sibling, digest)
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            digest = node_hash(digest, sibling)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ValueError("inclusion proof is too short")
    return digest
