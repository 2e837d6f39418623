"""Documentation gates: the model card and validation report (final and complete) and required evidence.

Registered on import (lifecycle.apps). Also makes audit events about documents, templates and
evidence visible to whoever may see their asset, and provides the stage-table guard that asks the
matching approval policy which evidence kinds a submission needs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.db.models import CharField, QuerySet
from django.db.models.functions import Cast

from governance.accounts.models import User
from governance.evidence.models import Evidence, EvidenceKind
from governance.evidence.queries import current_kinds
from governance.inventory.models import Asset, AssetVersion
from governance.model_cards.models import Document, DocumentKind, DocumentTemplate
from governance.model_cards.queries import document_status, kind_label
from lifecycle.gates import Gate, evaluate_gate, register_gate
from lifecycle.queries import register_event_visibility, visible_assets

if TYPE_CHECKING:  # guards imports this module for its GUARDS table
    from lifecycle.guards import GuardContext


def _document(asset: Asset, version: AssetVersion | None, kind: str) -> Document | None:
    documents = Document.objects.select_related("current_revision").filter(asset=asset, kind=kind)
    documents = (
        documents.filter(version=version) if version is not None else documents.filter(version__isnull=True)
    )
    return documents.first()


def _document_gate(kind: str) -> Any:
    def check(asset: Asset, version: AssetVersion | None, options: Mapping[str, Any]) -> list[str]:
        label = kind_label(kind)
        if version is not None:
            label = f"{label} of version {version.label}"
        return document_status(_document(asset, version, kind)).reasons(label)

    check.__name__ = f"{kind}_final_and_complete"
    return check


def required_evidence(asset: Asset, version: AssetVersion | None, options: Mapping[str, Any]) -> list[str]:
    """Every evidence kind the policy names (options["evidence_kinds"]) has a current file."""
    kinds = [str(k) for k in options.get("evidence_kinds") or []]
    if not kinds:
        return []
    if version is None:
        return ["Evidence is attached to versions; an asset proposal has none."]
    present = current_kinds(version)
    return [
        f"No current evidence of kind “{EvidenceKind(k).label if k in EvidenceKind.values else k}”."
        for k in kinds
        if k not in present
    ]


register_gate(Gate.MODEL_CARD, _document_gate(DocumentKind.MODEL_CARD))
register_gate(Gate.VALIDATION_REPORT, _document_gate(DocumentKind.VALIDATION_REPORT))
register_gate(Gate.REQUIRED_EVIDENCE, required_evidence)


def policy_evidence_guard(ctx: GuardContext) -> list[str]:
    """Submission needs the evidence kinds the asset's matching approval policy requires (or a waiver)."""
    try:
        from lifecycle.approvals.policies import matching_policy
        from lifecycle.approvals.rules import gate_options
    except ImportError:  # an installation without approval policies requires no evidence
        return []

    policy = matching_policy(ctx.asset)
    if policy is None or not policy.required_evidence:
        return []
    result = evaluate_gate(
        Gate.REQUIRED_EVIDENCE, ctx.asset, ctx.version, gate_options(policy, Gate.REQUIRED_EVIDENCE)
    )
    return [] if result.passed else result.reasons


def _ids(queryset: QuerySet[Any]) -> QuerySet[Any]:
    return queryset.annotate(sid=Cast("pk", CharField())).values("sid")


register_event_visibility(
    "model_cards.document", lambda user: _ids(Document.objects.filter(asset__in=visible_assets(user)))
)
register_event_visibility(
    "evidence.evidence", lambda user: _ids(Evidence.objects.filter(asset__in=visible_assets(user)))
)
# Templates are shared guidance, not tied to an asset: every signed-in user may see their history.
register_event_visibility(
    "model_cards.documenttemplate",
    lambda user: _ids(
        DocumentTemplate.objects.all() if isinstance(user, User) else DocumentTemplate.objects.none()
    ),
)
