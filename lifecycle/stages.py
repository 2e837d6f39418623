"""The lifecycle as data (DESIGN §3): stages and the edges between them, with who may take each.

Pure Python with no ORM imports, so record apps may import it for their stage choices.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from django.db import models


class AssetStage(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    ACTIVE = "active", "Active"
    RETIRED = "retired", "Retired"
    REJECTED = "rejected", "Rejected"


class VersionStage(models.TextChoices):
    REGISTERED = "registered", "Registered"
    SUBMITTED = "submitted", "Submitted"
    IN_VALIDATION = "in_validation", "In validation"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"
    VALIDATED = "validated", "Validated"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    DEPLOYED = "deployed", "Deployed"
    SUSPENDED = "suspended", "Suspended"
    DEPRECATED = "deprecated", "Deprecated"
    RETIRED = "retired", "Retired"


class By(models.TextChoices):
    """Who may take an edge. Resolved against an actor in lifecycle.permissions."""

    OWNER = "owner", "the asset's owner or an owner in its team"
    VALIDATOR = "validator", "a validator"
    CLAIMING_VALIDATOR = "claiming_validator", "the validator who claimed the version"
    APPROVER = "approver", "an approver"
    QUORUM = "quorum", "the approval quorum"
    INTEGRATION = "integration", "an integration token or registry"


ASSET, VERSION = "asset", "version"


@dataclass(frozen=True)
class Edge:
    """One legal move. `by` lists who may take it; `reason_required` demands a comment."""

    kind: str
    source: str
    target: str
    by: frozenset[str]
    label: str
    reason_required: bool = False


def _edge(kind: str, source: str, target: str, by: set[str], label: str, *, reason: bool = False) -> Edge:
    return Edge(kind, source, target, frozenset(by), label, reason)


V = VersionStage
A = AssetStage
EDGES: Final[tuple[Edge, ...]] = (
    _edge(ASSET, A.PROPOSED, A.ACTIVE, {By.QUORUM}, "Approve proposal"),
    _edge(ASSET, A.PROPOSED, A.REJECTED, {By.APPROVER}, "Reject proposal", reason=True),
    _edge(ASSET, A.ACTIVE, A.RETIRED, {By.OWNER}, "Retire asset", reason=True),
    _edge(VERSION, V.REGISTERED, V.SUBMITTED, {By.OWNER}, "Submit for validation"),
    _edge(VERSION, V.SUBMITTED, V.REGISTERED, {By.OWNER}, "Withdraw submission"),
    _edge(VERSION, V.SUBMITTED, V.IN_VALIDATION, {By.VALIDATOR}, "Claim for validation"),
    _edge(VERSION, V.IN_VALIDATION, V.SUBMITTED, {By.CLAIMING_VALIDATOR}, "Release claim"),
    _edge(
        VERSION, V.IN_VALIDATION, V.CHANGES_REQUESTED, {By.CLAIMING_VALIDATOR}, "Request changes", reason=True
    ),
    _edge(VERSION, V.CHANGES_REQUESTED, V.SUBMITTED, {By.OWNER}, "Resubmit for validation"),
    _edge(VERSION, V.IN_VALIDATION, V.VALIDATED, {By.CLAIMING_VALIDATOR}, "Mark validated"),
    _edge(VERSION, V.VALIDATED, V.APPROVED, {By.QUORUM}, "Approve"),
    _edge(VERSION, V.VALIDATED, V.CHANGES_REQUESTED, {By.APPROVER}, "Send back", reason=True),
    _edge(VERSION, V.VALIDATED, V.REJECTED, {By.APPROVER}, "Reject", reason=True),
    _edge(VERSION, V.APPROVED, V.DEPLOYED, {By.OWNER, By.INTEGRATION}, "Deploy"),
    _edge(
        VERSION, V.DEPLOYED, V.SUSPENDED, {By.APPROVER, By.VALIDATOR, By.INTEGRATION}, "Suspend", reason=True
    ),
    _edge(VERSION, V.SUSPENDED, V.DEPLOYED, {By.APPROVER}, "Reinstate", reason=True),
    _edge(VERSION, V.DEPLOYED, V.DEPRECATED, {By.OWNER, By.INTEGRATION}, "Deprecate"),
    _edge(VERSION, V.REGISTERED, V.RETIRED, {By.OWNER}, "Retire", reason=True),
    _edge(VERSION, V.APPROVED, V.RETIRED, {By.OWNER}, "Retire", reason=True),
    _edge(VERSION, V.DEPRECATED, V.RETIRED, {By.OWNER}, "Retire", reason=True),
    _edge(VERSION, V.SUSPENDED, V.RETIRED, {By.OWNER}, "Retire", reason=True),
)

EDGE_INDEX: Final[dict[tuple[str, str, str], Edge]] = {(e.kind, e.source, e.target): e for e in EDGES}
STAGES: Final[dict[str, type[models.TextChoices]]] = {ASSET: AssetStage, VERSION: VersionStage}
FINAL_STAGES: Final[dict[str, frozenset[str]]] = {
    ASSET: frozenset({A.RETIRED, A.REJECTED}),
    VERSION: frozenset({V.REJECTED, V.RETIRED}),
}
INITIAL_STAGE: Final[dict[str, str]] = {ASSET: A.PROPOSED, VERSION: V.REGISTERED}
# Versions whose content is frozen: once approved, a change needs a new version (DESIGN §2).
FROZEN_VERSION_STAGES: Final[frozenset[str]] = frozenset(
    {V.APPROVED, V.DEPLOYED, V.SUSPENDED, V.DEPRECATED, V.RETIRED, V.REJECTED}
)


def edges_from(kind: str, source: str) -> list[Edge]:
    return [e for e in EDGES if e.kind == kind and e.source == source]


def find_edge(kind: str, source: str, target: str) -> Edge | None:
    return EDGE_INDEX.get((kind, source, target))
