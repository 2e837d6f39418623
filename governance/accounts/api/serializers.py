"""Account API shapes: who am I, teams and tokens (the secret appears only in the create response)."""

from __future__ import annotations

from rest_framework import serializers

from governance.accounts.models import ApiToken, Team, User
from governance.accounts.roles import TokenScope


class TeamSerializer(serializers.ModelSerializer):
    class Meta:
        model = Team
        fields = ["slug", "name", "description", "is_risk_committee"]
        read_only_fields = fields


class MeSerializer(serializers.ModelSerializer):
    roles = serializers.SerializerMethodField()
    teams = TeamSerializer(many=True, read_only=True)

    class Meta:
        model = User
        fields = ["username", "full_name", "email", "roles", "teams"]
        read_only_fields = fields

    def get_roles(self, user: User) -> list[str]:
        return sorted(user.role_set)


class TokenSerializer(serializers.ModelSerializer):
    user: serializers.SlugRelatedField = serializers.SlugRelatedField(slug_field="username", read_only=True)
    status = serializers.SerializerMethodField()

    class Meta:
        model = ApiToken
        fields = [
            "id",
            "name",
            "prefix",
            "scope",
            "user",
            "created_at",
            "expires_at",
            "revoked_at",
            "last_used_at",
            "status",
        ]
        read_only_fields = fields

    def get_status(self, token: ApiToken) -> str:
        if token.revoked_at:
            return "revoked"
        return "active" if token.is_usable else "expired"


class TokenCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    scope = serializers.ChoiceField(choices=TokenScope.choices, default=TokenScope.READ)
    expires_in_days = serializers.IntegerField(min_value=1, max_value=366, required=False)


class IssuedTokenSerializer(TokenSerializer):
    secret = serializers.CharField(help_text="The token itself. Shown once; Steward keeps only its hash.")

    class Meta(TokenSerializer.Meta):
        fields = [*TokenSerializer.Meta.fields, "secret"]
        read_only_fields = fields
