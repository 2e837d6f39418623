"""Named gates: the conditions policies and the stage table require, each answerable with reasons.

A gate check returns the unmet reasons for one asset/version ([] = met). Checks are registered by
the lifecycle modules that know the records (documents, bias reviews, evidence, findings…). A gate
nobody registered fails closed. Waivers (an approver's exception to one gate for one object) are
consulted through WAIVER_LOOKUP, installed by the approvals module.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import models

from governance.inventory.models import Asset, AssetVersion

logger = logging.getLogger(__name__)


class Gate(models.TextChoices):
    """Stable gate names (stored in policies and waivers)."""

    MODEL_CARD = "model_card", "Model card final and complete"
    VALIDATION_REPORT = "validation_report", "Validation report final and complete"
    BIAS_REVIEW = "bias_review", "Bias review passed"
    NO_OPEN_HIGH_FINDINGS = "no_open_high_findings", "No open high-severity findings"
    REQUIRED_EVIDENCE = "required_evidence", "Required evidence attached"
    MONITORING_PLAN = "monitoring_plan", "Monitoring plan in place"


@dataclass(frozen=True)
class GateResult:
    gate: str
    label: str
    reasons: list[str] = field(default_factory=list)
    waived_by: Any = None  # the Waiver that satisfies an unmet gate, if any

    @property
    def passed(self) -> bool:
        return not self.reasons or self.waived_by is not None


# check(asset, version, options) -> unmet reasons. `options` carries policy parameters (e.g. evidence kinds).
GateCheck = Callable[[Asset, AssetVersion | None, Mapping[str, Any]], list[str]]
GATE_CHECKS: dict[str, GateCheck] = {}
# lookup(gate, asset, version) -> a valid waiver or None; replaced by lifecycle.approvals when it loads.
WAIVER_LOOKUP: list[Callable[[str, Asset, AssetVersion | None], Any]] = []


def register_gate(gate: str, check: GateCheck) -> GateCheck:
    GATE_CHECKS[gate] = check
    return check


def evaluate_gate(
    gate: str, asset: Asset, version: AssetVersion | None, options: Mapping[str, Any] | None = None
) -> GateResult:
    """Evaluate one gate: unknown or raising checks fail closed; a valid waiver satisfies an unmet gate."""
    label = Gate(gate).label if gate in Gate.values else gate
    check = GATE_CHECKS.get(gate)
    if check is None:
        reasons = [f"The gate “{label}” is not available in this installation, so it cannot pass."]
    else:
        try:
            reasons = check(asset, version, options or {})
        except Exception:
            logger.exception("gate %s raised; failing closed", gate)
            reasons = [f"The gate “{label}” could not be evaluated, so it does not pass."]
    waiver = None
    if reasons:
        for lookup in WAIVER_LOOKUP:
            waiver = lookup(gate, asset, version)
            if waiver is not None:
                break
    return GateResult(gate, label, reasons, waiver)


def gate_guard(gate: str, **options: Any) -> Callable[[Any], list[str]]:
    """A stage-table guard (see lifecycle.guards) that requires `gate` to pass or be waived."""

    def guard(ctx: Any) -> list[str]:
        result = evaluate_gate(gate, ctx.asset, ctx.version, options)
        return [] if result.passed else result.reasons

    guard.__name__ = f"gate_{gate}"
    return guard
