"""API shapes of approvals: requests, decisions (the command and the record), signing tokens, waivers,
policies and the gates dry run."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from governance.accounts.models import Team
from governance.accounts.roles import Role
from governance.inventory.models import AiActCategory, Asset, AssetVersion
from governance.oversight.models import Severity
from lifecycle.gates import Gate
from lifecycle.models import ApprovalPolicy, ApprovalRequest, Decision, Meaning, PolicyRule, Purpose, Waiver


class DecisionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Decision
        fields = [
            "id",
            "approver_name",
            "role",
            "teams",
            "from_risk_committee",
            "meaning",
            "comment",
            "conditions",
            "digest_seen",
            "signature_method",
            "signed_at",
        ]
        read_only_fields = fields


class ApprovalRequestSerializer(serializers.ModelSerializer):
    asset: serializers.SlugRelatedField = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    version: serializers.PrimaryKeyRelatedField = serializers.PrimaryKeyRelatedField(read_only=True)
    policy = serializers.CharField(source="policy.key", read_only=True)
    policy_version = serializers.IntegerField(source="policy.version", read_only=True)
    decisions = DecisionSerializer(many=True, read_only=True)

    class Meta:
        model = ApprovalRequest
        fields = [
            "id",
            "purpose",
            "kind",
            "asset",
            "version",
            "policy",
            "policy_version",
            "digest",
            "digest_version",
            "status",
            "opened_at",
            "opened_by_name",
            "due_at",
            "closed_at",
            "outcome_note",
            "decisions",
        ]
        read_only_fields = fields


class ConditionSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    due_date = serializers.DateField()
    severity = serializers.ChoiceField(choices=Severity.choices, default=Severity.MEDIUM)


class DecisionCommandSerializer(serializers.Serializer):
    """Sign a decision. `signing_token` is a fresh token from POST /api/v1/signing-tokens/."""

    meaning = serializers.ChoiceField(choices=Meaning.choices)
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    conditions = ConditionSerializer(many=True, required=False, default=list)
    digest_seen = serializers.CharField(max_length=64, help_text="The review digest you reviewed.")
    signing_token = serializers.CharField(max_length=200, help_text="Single-use, minted with your password.")


class DecisionResultSerializer(serializers.Serializer):
    decision = DecisionSerializer()
    request_status = serializers.CharField()
    stage = serializers.CharField(help_text="The object's stage after the decision.")


class SigningTokenCommandSerializer(serializers.Serializer):
    password = serializers.CharField(max_length=512, style={"input_type": "password"}, trim_whitespace=False)


class SigningTokenSerializer(serializers.Serializer):
    signing_token = serializers.CharField()
    expires_at = serializers.DateTimeField()


class DryRunCheckSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    status = serializers.ChoiceField(choices=["pass", "fail", "waived", "not_available", "pending", "info"])
    reason = serializers.CharField()


class DryRunSerializer(serializers.Serializer):
    purpose = serializers.CharField()
    policy = serializers.CharField(source="policy.key", allow_null=True, default=None)
    policy_version = serializers.IntegerField(source="policy.version", allow_null=True, default=None)
    request = serializers.IntegerField(source="request.pk", allow_null=True, default=None)
    digest = serializers.CharField()
    may_decide = serializers.BooleanField()
    checks = DryRunCheckSerializer(many=True)


class WaiverSerializer(serializers.ModelSerializer):
    asset = serializers.SlugRelatedField(slug_field="slug", queryset=Asset.objects.all())
    version = serializers.PrimaryKeyRelatedField(
        queryset=AssetVersion.objects.all(), required=False, allow_null=True
    )
    gate = serializers.ChoiceField(choices=Gate.choices)
    status = serializers.CharField(read_only=True)
    expires_at = serializers.DateTimeField(required=True, allow_null=True)

    class Meta:
        model = Waiver
        fields = [
            "id",
            "gate",
            "asset",
            "version",
            "justification",
            "expires_at",
            "status",
            "granted_by_name",
            "granted_at",
            "revoked_at",
            "revoked_by_name",
            "revoke_reason",
            "expiry_flagged_at",
        ]
        read_only_fields = [
            "granted_by_name",
            "granted_at",
            "revoked_at",
            "revoked_by_name",
            "revoke_reason",
            "expiry_flagged_at",
        ]
        extra_kwargs = {"justification": {"allow_blank": True}}


class RevokeSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class PolicyRuleSerializer(serializers.ModelSerializer):
    named_team = serializers.SlugRelatedField(
        slug_field="slug", queryset=Team.objects.all(), required=False, allow_null=True
    )
    gates = serializers.ListField(child=serializers.ChoiceField(choices=Gate.choices), default=list)
    required_role = serializers.ChoiceField(choices=Role.choices, default=Role.APPROVER)
    named_role = serializers.ChoiceField(choices=Role.choices, default="", allow_blank=True)

    class Meta:
        model = PolicyRule
        fields = [
            "purpose",
            "required_role",
            "quorum",
            "min_risk_committee",
            "named_team",
            "named_role",
            "gates",
        ]


class PolicySerializer(serializers.ModelSerializer):
    rules = PolicyRuleSerializer(many=True)
    ai_act_category = serializers.ChoiceField(
        choices=[("", "any"), *AiActCategory.choices], required=False, default="", allow_blank=True
    )
    note = serializers.CharField(write_only=True, required=False, default="", allow_blank=True)

    class Meta:
        model = ApprovalPolicy
        fields = [
            "key",
            "version",
            "is_current",
            "is_active",
            "name",
            "description",
            "ai_act_category",
            "materiality_tier",
            "approval_validity_days",
            "review_interval_months",
            "required_evidence",
            "bias_thresholds",
            "rules",
            "change_note",
            "created_by_name",
            "created_at",
            "note",
        ]
        read_only_fields = ["version", "is_current", "change_note", "created_by_name", "created_at"]
        # Uniqueness is the service's to check (it answers 400 on the key); a key is not editable.
        extra_kwargs: dict[str, dict[str, object]] = {"key": {"validators": []}}

    def validate_rules(self, rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
        purposes = sorted(r["purpose"] for r in rules)
        if purposes != sorted(Purpose.values):
            raise serializers.ValidationError(
                f"Give exactly one rule for each of: {', '.join(Purpose.values)}."
            )
        return rules
