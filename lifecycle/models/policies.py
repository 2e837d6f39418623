"""Approval policies (DESIGN §2): versioned rules for who must say yes before an object moves.

A policy is identified by its `key`; every edit writes a new row with the next `version` and moves
`is_current` to it, so a request pinned to a policy version keeps meaning what it meant.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from governance.accounts.roles import Role
from governance.inventory.models import AiActCategory, MaterialityTier


class Purpose(models.TextChoices):
    """The gated moves a policy rules on."""

    PROPOSAL = "proposal", "Asset proposal (proposed → active)"
    APPROVAL = "approval", "Version approval (validated → approved)"
    REVIEW = "review", "Periodic review of a deployed version"


class ApprovalPolicy(models.Model):
    """One version of a policy. Rows are never edited: an edit creates the next version."""

    key = models.SlugField(max_length=60, help_text="Stable name shared by every version of the policy.")
    version = models.PositiveIntegerField()
    is_current = models.BooleanField(default=True)
    is_active = models.BooleanField(default=True, help_text="Inactive policies match nothing.")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    ai_act_category = models.CharField(
        max_length=10, blank=True, choices=AiActCategory.choices, help_text="Blank matches any category."
    )
    materiality_tier = models.PositiveSmallIntegerField(
        null=True, blank=True, choices=MaterialityTier.choices, help_text="Empty matches any tier."
    )
    approval_validity_days = models.PositiveIntegerField(
        default=90, help_text="An approval older than this may no longer be deployed."
    )
    review_interval_months = models.PositiveSmallIntegerField(
        default=12, help_text="Deployed versions are reviewed this often."
    )
    required_evidence = models.JSONField(
        default=list, blank=True, help_text="Evidence kinds the REQUIRED_EVIDENCE gate asks for."
    )
    bias_thresholds = models.JSONField(
        default=dict,
        blank=True,
        help_text='Copied into bias reviews, e.g. {"demographic_parity_ratio": {"min": 0.8}}.',
    )
    change_note = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by_name = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["key", "-version"]
        verbose_name_plural = "approval policies"
        constraints = [
            models.UniqueConstraint(fields=["key", "version"], name="policy_key_version_unique"),
            models.UniqueConstraint(
                fields=["key"], condition=models.Q(is_current=True), name="policy_one_current_version"
            ),
            models.CheckConstraint(
                condition=models.Q(approval_validity_days__gte=1, review_interval_months__gte=1),
                name="policy_positive_intervals",
            ),
            models.CheckConstraint(
                condition=models.Q(materiality_tier__isnull=True) | models.Q(materiality_tier__in=[1, 2, 3]),
                name="policy_tier_1_to_3",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} (v{self.version})"

    def rule_for(self, purpose: str) -> PolicyRule | None:
        return next((rule for rule in self.rules.all() if rule.purpose == purpose), None)

    @property
    def scope_label(self) -> str:
        category = AiActCategory(self.ai_act_category).label if self.ai_act_category else "any category"
        tier = MaterialityTier(self.materiality_tier).label if self.materiality_tier else "any tier"
        return f"{category}, {tier}"


class PolicyRule(models.Model):
    """What one gated move needs: deciders' role, quorum and its composition, and gates."""

    policy = models.ForeignKey(ApprovalPolicy, on_delete=models.PROTECT, related_name="rules")
    purpose = models.CharField(max_length=10, choices=Purpose.choices)
    required_role = models.CharField(max_length=20, choices=Role.choices, default=Role.APPROVER)
    quorum = models.PositiveSmallIntegerField(default=1, help_text="Distinct approvals needed.")
    min_risk_committee = models.PositiveSmallIntegerField(
        default=0, help_text="Of the quorum, at least this many from a risk-committee team."
    )
    named_team = models.ForeignKey(
        "accounts.Team",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Optionally, at least one approval from this team.",
    )
    named_role = models.CharField(
        max_length=20,
        blank=True,
        choices=Role.choices,
        help_text="Optionally, at least one approval from someone who also holds this role.",
    )
    gates = models.JSONField(default=list, blank=True, help_text="Gate names that must pass or be waived.")

    class Meta:
        ordering = ["policy", "purpose"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "purpose"], name="policy_rule_one_per_purpose"),
            models.CheckConstraint(
                condition=models.Q(quorum__gte=1, quorum__lte=25), name="policy_rule_quorum_1_to_25"
            ),
            models.CheckConstraint(
                condition=models.Q(min_risk_committee__lte=models.F("quorum")),
                name="policy_rule_committee_within_quorum",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.policy} · {self.get_purpose_display()}"

    @property
    def composition(self) -> list[str]:
        """The quorum's composition requirements in words."""
        parts = []
        if self.min_risk_committee:
            parts.append(f"at least {self.min_risk_committee} from a risk committee")
        if self.named_team_id:
            parts.append(f"at least one from {self.named_team}")
        if self.named_role:
            parts.append(f"at least one {Role(self.named_role).label.lower()}")
        return parts
