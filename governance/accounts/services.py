"""Account services: users, roles, teams and tokens. Every change is an audit event."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from governance.accounts.models import ApiToken, Membership, RoleGrant, Team, User
from governance.accounts.roles import Role, TokenScope
from governance.accounts.token_lookup import usable_token
from governance.accounts.tokens import hash_token, new_token
from governance.audit.actors import Actor
from governance.audit.event_types import AuditAction
from governance.audit.ledger import record_event


def _require_admin(actor: Actor) -> None:
    if actor.kind not in {"system"} and not (actor.user and actor.user.has_role(Role.ADMIN)):
        raise PermissionDenied("Only administrators manage users, teams and roles.")


@transaction.atomic
def create_user(
    *,
    actor: Actor,
    username: str,
    email: str = "",
    full_name: str = "",
    password: str | None = None,
    roles: list[str] | None = None,
    teams: list[Team] | None = None,
) -> User:
    """Create a user with roles and team memberships; one audit event per change."""
    _require_admin(actor)
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": "A user with that username already exists."})
    user = User(username=username, email=email, full_name=full_name)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    for team in teams or []:
        Membership.objects.create(user=user, team=team)
    for role in roles or []:
        if role not in Role.values:
            raise ValidationError({"roles": f"Unknown role {role!r}."})
        RoleGrant.objects.create(user=user, role=role)
    record_event(
        AuditAction.USER_CREATED,
        actor=actor,
        obj=user,
        payload={
            "new": {
                "username": username,
                "email": email,
                "roles": sorted(roles or []),
                "teams": sorted(t.slug for t in teams or []),
            }
        },
    )
    return user


@transaction.atomic
def grant_role(*, actor: Actor, user: User, role: str) -> None:
    _require_admin(actor)
    if role not in Role.values:
        raise ValidationError({"role": f"Unknown role {role!r}."})
    _, created = RoleGrant.objects.get_or_create(user=user, role=role)
    user.forget_cached_access()
    if created:
        record_event(AuditAction.ROLE_GRANTED, actor=actor, obj=user, payload={"role": role})


@transaction.atomic
def revoke_role(*, actor: Actor, user: User, role: str) -> None:
    _require_admin(actor)
    if actor.user == user and role == Role.ADMIN:
        raise ValidationError({"role": "Administrators cannot revoke their own admin role."})
    deleted, _ = RoleGrant.objects.filter(user=user, role=role).delete()
    user.forget_cached_access()
    if deleted:
        record_event(AuditAction.ROLE_REVOKED, actor=actor, obj=user, payload={"role": role})


@transaction.atomic
def create_team(
    *, actor: Actor, slug: str, name: str, description: str = "", is_risk_committee: bool = False
) -> Team:
    _require_admin(actor)
    team = Team(slug=slug, name=name, description=description, is_risk_committee=is_risk_committee)
    team.full_clean()
    team.save()
    record_event(
        AuditAction.TEAM_CREATED,
        actor=actor,
        obj=team,
        payload={"new": {"slug": slug, "name": name, "is_risk_committee": is_risk_committee}},
    )
    return team


@transaction.atomic
def update_team(*, actor: Actor, team: Team, name: str, description: str, is_risk_committee: bool) -> Team:
    _require_admin(actor)
    team = Team.objects.select_for_update().get(pk=team.pk)
    old = {"name": team.name, "description": team.description, "is_risk_committee": team.is_risk_committee}
    new = {"name": name, "description": description, "is_risk_committee": is_risk_committee}
    if old == new:
        return team
    team.name, team.description, team.is_risk_committee = name, description, is_risk_committee
    team.full_clean()
    team.save()
    record_event(AuditAction.TEAM_UPDATED, actor=actor, obj=team, payload={"old": old, "new": new})
    return team


@transaction.atomic
def add_member(*, actor: Actor, team: Team, user: User) -> None:
    _require_admin(actor)
    _, created = Membership.objects.get_or_create(team=team, user=user)
    user.forget_cached_access()
    if created:
        record_event(AuditAction.MEMBER_ADDED, actor=actor, obj=team, payload={"user": user.username})


@transaction.atomic
def remove_member(*, actor: Actor, team: Team, user: User) -> None:
    _require_admin(actor)
    deleted, _ = Membership.objects.filter(team=team, user=user).delete()
    user.forget_cached_access()
    if deleted:
        record_event(AuditAction.MEMBER_REMOVED, actor=actor, obj=team, payload={"user": user.username})


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # shown once, never stored


@transaction.atomic
def create_token(
    *, actor: Actor, user: User, name: str, scope: str = TokenScope.READ, expires_in_days: int | None = None
) -> IssuedToken:
    """Issue a token for `user` (themselves, or any user for an admin). The secret is returned once."""
    if actor.user != user:
        _require_admin(actor)
    if actor.token is not None:
        raise PermissionDenied("Tokens are issued from a signed-in session, not by other tokens.")
    if scope not in TokenScope.values:
        raise ValidationError({"scope": f"Unknown scope {scope!r}; choose read, write or integration."})
    if not name.strip():
        raise ValidationError({"name": "Give the token a name that says where it is used."})
    days = settings.STEWARD_TOKEN_DEFAULT_DAYS if expires_in_days is None else expires_in_days
    if not 1 <= days <= 366:
        raise ValidationError({"expires_in_days": "Tokens expire after 1 to 366 days."})
    prefix, secret = new_token()
    token = ApiToken.objects.create(
        user=user,
        name=name.strip(),
        prefix=prefix,
        key_hash=hash_token(secret),
        scope=scope,
        expires_at=timezone.now() + timedelta(days=days),
    )
    record_event(
        AuditAction.TOKEN_CREATED,
        actor=actor,
        obj=token,
        payload={
            "user": user.username,
            "name": token.name,
            "scope": scope,
            "prefix": prefix,
            "expires_at": token.expires_at,
        },
    )
    return IssuedToken(token, secret)


@transaction.atomic
def revoke_token(*, actor: Actor, token: ApiToken) -> None:
    if actor.user != token.user:
        _require_admin(actor)
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None:
        return
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    record_event(AuditAction.TOKEN_REVOKED, actor=actor, obj=token, payload={"prefix": token.prefix})


def authenticate_token(secret: str) -> ApiToken | None:
    """The usable token for `secret`, or None. Records last use at most once a minute."""
    token = usable_token(hash_token(secret))
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token
