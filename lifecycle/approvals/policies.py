"""Approval policy services: matching (strictest wins), versioned edits, the seeded defaults."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Prefetch

from governance.accounts.models import Team
from governance.accounts.roles import Role
from governance.audit.actors import Actor, ActorKind
from governance.audit.event_types import AuditAction
from governance.audit.ledger import record_event
from governance.inventory.models import AiActCategory, Asset
from lifecycle.gates import GATE_CHECKS, Gate
from lifecycle.models import ApprovalPolicy, PolicyRule, Purpose

POLICY_FIELDS = (
    "name",
    "description",
    "ai_act_category",
    "materiality_tier",
    "approval_validity_days",
    "review_interval_months",
    "required_evidence",
    "bias_thresholds",
    "is_active",
)
RULE_FIELDS = ("required_role", "quorum", "min_risk_committee", "named_team", "named_role", "gates")
DEFAULT_BIAS_THRESHOLDS = {"demographic_parity_ratio": {"min": 0.8}}


@dataclass
class RuleSpec:
    """The editable content of one rule (one per purpose)."""

    purpose: str
    quorum: int = 1
    min_risk_committee: int = 0
    required_role: str = Role.APPROVER
    named_team: Team | None = None
    named_role: str = ""
    gates: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "quorum": self.quorum,
            "min_risk_committee": self.min_risk_committee,
            "required_role": self.required_role,
            "named_team": self.named_team.slug if self.named_team else None,
            "named_role": self.named_role,
            "gates": list(self.gates),
        }

    @classmethod
    def of(cls, rule: PolicyRule) -> RuleSpec:
        return cls(
            purpose=rule.purpose,
            quorum=rule.quorum,
            min_risk_committee=rule.min_risk_committee,
            required_role=rule.required_role,
            named_team=rule.named_team,
            named_role=rule.named_role,
            gates=list(rule.gates),
        )


def current_policies() -> Iterable[ApprovalPolicy]:
    rules = PolicyRule.objects.select_related("named_team")
    return ApprovalPolicy.objects.filter(is_current=True).prefetch_related(Prefetch("rules", queryset=rules))


def strictness(policy: ApprovalPolicy) -> tuple[int, ...]:
    """Ordering key: more approvals, more composition rules, more gates, shorter intervals, narrower scope.

    The strictest of several matching policies wins (DESIGN §2); the key is total so the choice is
    deterministic.
    """
    rules = list(policy.rules.all())
    return (
        max((r.quorum for r in rules), default=0),
        sum(r.min_risk_committee + bool(r.named_team_id) + bool(r.named_role) for r in rules),
        sum(len(r.gates) for r in rules),
        len(policy.required_evidence),
        -policy.review_interval_months,
        -policy.approval_validity_days,
        bool(policy.ai_act_category) + (policy.materiality_tier is not None),
    )


def matches(policy: ApprovalPolicy, asset: Asset) -> bool:
    return (
        policy.is_active
        and policy.ai_act_category in {"", asset.ai_act_category}
        and policy.materiality_tier in {None, asset.materiality_tier}
    )


def matching_policy(asset: Asset) -> ApprovalPolicy | None:
    """The current policy version that governs `asset`: the strictest of those matching it.

    The first time any policy is needed, the defaults are seeded (with their audit events).
    """
    ensure_default_policies(actor=DEFAULTS_ACTOR)
    candidates = [p for p in current_policies() if matches(p, asset)]
    if not candidates:
        return None
    return max(candidates, key=lambda p: (strictness(p), p.key))


def _require_admin(actor: Actor) -> None:
    if actor.kind == ActorKind.SYSTEM:
        return
    if actor.is_integration or actor.user is None or not actor.user.has_role(Role.ADMIN):
        raise PermissionDenied("Only administrators may change approval policies.")


def _validate(fields: Mapping[str, Any], rules: list[RuleSpec]) -> None:
    errors: dict[str, list[str]] = {}
    unknown = set(fields) - set(POLICY_FIELDS)
    if unknown:
        errors.update({name: ["Unknown field."] for name in unknown})
    purposes = [r.purpose for r in rules]
    if sorted(purposes) != sorted(Purpose.values):
        errors["rules"] = [f"Give exactly one rule for each of: {', '.join(Purpose.values)}."]
    for rule in rules:
        prefix = f"{rule.purpose}_"
        if not 1 <= rule.quorum <= 25:
            errors[prefix + "quorum"] = ["The quorum must be between 1 and 25."]
        if not 0 <= rule.min_risk_committee <= rule.quorum:
            errors[prefix + "min_risk_committee"] = ["Between 0 and the quorum."]
        bad = [g for g in rule.gates if g not in Gate.values]
        if bad:
            errors[prefix + "gates"] = [f"Unknown gates: {', '.join(bad)}."]
        if rule.required_role not in Role.values:
            errors[prefix + "required_role"] = ["Unknown role."]
        if rule.named_role and rule.named_role not in Role.values:
            errors[prefix + "named_role"] = ["Unknown role."]
    evidence = fields.get("required_evidence", [])
    if not isinstance(evidence, list) or not all(isinstance(k, str) and k.strip() for k in evidence):
        errors["required_evidence"] = ["A list of evidence kinds (non-empty names)."]
    if not isinstance(fields.get("bias_thresholds", {}), dict):
        errors["bias_thresholds"] = ["An object of metric → {min|max: number}."]
    if errors:
        raise ValidationError(errors)


def _policy_json(policy: ApprovalPolicy, rules: list[RuleSpec]) -> dict[str, Any]:
    data: dict[str, Any] = {name: getattr(policy, name) for name in POLICY_FIELDS}
    data["rules"] = {rule.purpose: rule.as_json() for rule in rules}
    return data


def _write(policy: ApprovalPolicy, rules: list[RuleSpec]) -> None:
    policy.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            policy.save()
    except IntegrityError as exc:
        raise ValidationError({"key": "A policy with this key already exists."}) from exc
    for spec in rules:
        PolicyRule.objects.create(
            policy=policy,
            purpose=spec.purpose,
            required_role=spec.required_role,
            quorum=spec.quorum,
            min_risk_committee=spec.min_risk_committee,
            named_team=spec.named_team,
            named_role=spec.named_role,
            gates=list(dict.fromkeys(spec.gates)),
        )


@transaction.atomic
def create_policy(
    *, actor: Actor, key: str, rules: list[RuleSpec], note: str = "", **fields: Any
) -> ApprovalPolicy:
    """Create version 1 of a policy (administrators); one audit event."""
    _require_admin(actor)
    _validate(fields, rules)
    policy = ApprovalPolicy(
        key=key, version=1, created_by=actor.user, created_by_name=actor.name, change_note=note, **fields
    )
    _write(policy, rules)
    record_event(
        AuditAction.POLICY_CREATED,
        actor=actor,
        obj=policy,
        payload={"key": key, "version": 1, "note": note, "new": _policy_json(policy, rules)},
    )
    return policy


@transaction.atomic
def update_policy(
    *, actor: Actor, policy: ApprovalPolicy, rules: list[RuleSpec], note: str = "", **fields: Any
) -> ApprovalPolicy:
    """Write the next version of a policy; the old version stays, pinned by the requests that used it."""
    _require_admin(actor)
    current = ApprovalPolicy.objects.select_for_update().get(key=policy.key, is_current=True)
    if current.pk != policy.pk:
        raise ValidationError({"version": f"Version {current.version} is newer: edit that one instead."})
    old_rules = [RuleSpec.of(r) for r in current.rules.select_related("named_team")]
    merged = {name: getattr(current, name) for name in POLICY_FIELDS} | fields
    _validate(merged, rules)
    old = _policy_json(current, old_rules)
    new_policy = ApprovalPolicy(
        key=current.key,
        version=current.version + 1,
        created_by=actor.user,
        created_by_name=actor.name,
        change_note=note,
        **merged,
    )
    new = _policy_json(new_policy, rules)
    if new == old:
        return current
    ApprovalPolicy.objects.filter(pk=current.pk).update(is_current=False)
    _write(new_policy, rules)
    changed = {k for k in new if new[k] != old[k]}
    record_event(
        AuditAction.POLICY_UPDATED,
        actor=actor,
        obj=new_policy,
        payload={
            "key": current.key,
            "version": new_policy.version,
            "note": note,
            "old": {k: old[k] for k in changed},
            "new": {k: new[k] for k in changed},
        },
    )
    return new_policy


# Gates the seeded defaults ask for, in order; only those registered when seeding are listed (an
# unregistered gate fails closed, so listing it would block every approval until it lands).
DEFAULT_APPROVAL_GATES = (
    Gate.MODEL_CARD,
    Gate.VALIDATION_REPORT,
    Gate.BIAS_REVIEW,
    Gate.NO_OPEN_HIGH_FINDINGS,
)
DEFAULTS = (
    # key, name, category, quorum, from risk committee, review months, bias review gate
    ("high-risk", "High risk", AiActCategory.HIGH, 2, 1, 12, True),
    ("limited-risk", "Limited risk", AiActCategory.LIMITED, 1, 0, 24, False),
    ("minimal-risk", "Minimal risk", AiActCategory.MINIMAL, 1, 0, 36, False),
)


def default_rules(quorum: int, committee: int, bias: bool) -> list[RuleSpec]:
    gates = [str(g) for g in DEFAULT_APPROVAL_GATES if g in GATE_CHECKS and (bias or g != Gate.BIAS_REVIEW)]
    review_gates = [str(g) for g in (Gate.NO_OPEN_HIGH_FINDINGS,) if g in GATE_CHECKS]
    return [
        RuleSpec(Purpose.PROPOSAL, quorum, committee),
        RuleSpec(Purpose.APPROVAL, quorum, committee, gates=gates),
        RuleSpec(Purpose.REVIEW, quorum, committee, gates=review_gates),
    ]


DEFAULTS_ACTOR = Actor.system("default_policies")
# pg_advisory_xact_lock key ("policies"): two first-time seeders must not both seed.
SEED_LOCK_KEY = 0x706F6C6963696573


def ensure_default_policies(*, actor: Actor) -> list[ApprovalPolicy]:
    """Seed the default policies (issue 3) when no policy exists at all; idempotent and race-safe.

    Seeded lazily, when approvals first need a policy, rather than at migrate time, so an empty
    installation's ledger starts empty.
    """
    if ApprovalPolicy.objects.exists():
        return []
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SEED_LOCK_KEY])
        if ApprovalPolicy.objects.exists():
            return []
        return _seed_defaults(actor)


def _seed_defaults(actor: Actor) -> list[ApprovalPolicy]:
    made = []
    for key, name, category, quorum, committee, months, bias in DEFAULTS:
        made.append(
            create_policy(
                actor=actor,
                key=key,
                name=name,
                description=f"Default policy for {AiActCategory(category).label.lower()} assets.",
                ai_act_category=category,
                approval_validity_days=90,
                review_interval_months=months,
                bias_thresholds=DEFAULT_BIAS_THRESHOLDS if bias else {},
                rules=default_rules(quorum, committee, bias),
                note="Seeded default.",
            )
        )
    return made
