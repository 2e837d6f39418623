"""Users, teams, role grants and hashed API tokens."""

from __future__ import annotations

from functools import cached_property

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone

from governance.accounts.roles import SEE_EVERYTHING, Role, TokenScope


class Team(models.Model):
    """A business unit that owns assets; users see their teams' objects."""

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    is_risk_committee = models.BooleanField(
        default=False,
        help_text="Members can satisfy a policy's 'at least one approver from a risk committee'.",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person using Steward. Roles are grants (RoleGrant); teams are memberships."""

    full_name = models.CharField(max_length=150, blank=True)
    teams = models.ManyToManyField(Team, through="Membership", related_name="members", blank=True)

    class Meta:
        ordering = ["username"]

    def __str__(self) -> str:
        return self.full_name or self.username

    @cached_property
    def role_set(self) -> frozenset[str]:
        """The user's roles, read once per request (the user object lives for one request)."""
        if not self.is_active:
            return frozenset()
        return frozenset(self.role_grants.values_list("role", flat=True))

    @cached_property
    def team_ids(self) -> frozenset[int]:
        return frozenset(self.memberships.values_list("team_id", flat=True))

    def has_role(self, *roles: str) -> bool:
        return bool(self.role_set.intersection(roles))

    @property
    def sees_everything(self) -> bool:
        return bool(self.role_set & SEE_EVERYTHING)

    def forget_cached_access(self) -> None:
        """Drop cached roles/teams after they change (services call this)."""
        for name in ("role_set", "team_ids"):
            self.__dict__.pop(name, None)


class Membership(models.Model):
    """A user's membership of a team."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="memberships")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="memberships")
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "team"], name="membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} in {self.team}"


class RoleGrant(models.Model):
    """One role granted to one user; granting and revoking are audit events."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="role_grants")
    role = models.CharField(max_length=20, choices=Role.choices)
    granted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "role"], name="role_grant_unique"),
            models.CheckConstraint(condition=models.Q(role__in=Role.values), name="role_grant_known_role"),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.role}"


class ApiToken(models.Model):
    """An API token: only its SHA-256 is stored; the secret is shown once at creation."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True, help_text="Public part, shown in lists and logs.")
    key_hash = models.CharField(max_length=64, unique=True)
    scope = models.CharField(max_length=20, choices=TokenScope.choices, default=TokenScope.READ)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(scope__in=TokenScope.values), name="api_token_known_scope"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_usable(self) -> bool:
        # The same rule as the WHERE clause of accounts.token_lookup, which authenticates requests.
        return self.revoked_at is None and self.expires_at > timezone.now() and self.user.is_active
