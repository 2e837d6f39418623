"""People, teams and API tokens. Every change goes through governance.accounts.services (audited).

People and teams are for administrators (403 for anyone else). Every user manages their own tokens;
administrators see all tokens and may issue tokens for service accounts.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from governance.accounts import services
from governance.accounts.forms import MembershipChangeForm, PersonForm, RoleChangeForm, TeamForm, TokenForm
from governance.accounts.models import ApiToken, Membership, RoleGrant, Team, User
from governance.accounts.roles import Role
from governance.audit.actors import Actor
from governance.audit.queries import events_about
from governance.web.forms import add_service_errors

View = Callable[..., HttpResponse]


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def admin_required(view: View) -> View:
    """Signed in and an administrator, else 403 (the services check again; this spares a useless form)."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not _user(request).has_role(Role.ADMIN):
            raise PermissionDenied("Only administrators manage people and teams.")
        return view(request, *args, **kwargs)

    return wrapped


def _people_queryset() -> Any:
    return User.objects.order_by("username").prefetch_related(
        Prefetch("role_grants", queryset=RoleGrant.objects.order_by("role")),
        Prefetch("memberships", queryset=Membership.objects.select_related("team").order_by("team__name")),
    )


@admin_required
def people(request: HttpRequest) -> HttpResponse:
    """Everyone with their roles and teams, and every team with its member count."""
    context = {
        "people": list(_people_queryset()),
        "teams": list(Team.objects.annotate(member_count=Count("memberships")).order_by("name")),
        "role_labels": dict(Role.choices),
    }
    return render(request, "accounts/people.html", context)


@admin_required
def person_create(request: HttpRequest) -> HttpResponse:
    """Create a user with roles, teams and an optional initial password (one audit event)."""
    form = PersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            person = services.create_user(
                actor=Actor.from_request(request),
                username=data["username"],
                email=data["email"],
                full_name=data["full_name"],
                password=data["password"] or None,
                roles=data["roles"],
                teams=list(data["teams"]),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{person} was added.")
            return redirect("accounts:person", username=person.username)
    return render(request, "accounts/person_form.html", {"form": form}, status=400 if form.errors else 200)


@admin_required
def person(request: HttpRequest, username: str) -> HttpResponse:
    """One user: roles to grant or revoke, teams to join or leave, and the audit events about them."""
    subject = get_object_or_404(_people_queryset(), username=username)
    held_roles = {grant.role for grant in subject.role_grants.all()}
    member_of = {membership.team_id for membership in subject.memberships.all()}
    context = {
        "subject": subject,
        "grantable_roles": [(value, label) for value, label in Role.choices if value not in held_roles],
        "role_labels": dict(Role.choices),
        "joinable_teams": list(Team.objects.exclude(pk__in=member_of).order_by("name")),
        "tokens": list(subject.api_tokens.order_by("-created_at")[:20]),
        "events": list(events_about(subject)[:10]),
        "now": timezone.now(),
    }
    return render(request, "accounts/person.html", context)


def _apply(request: HttpRequest, change: Callable[[], None], done: str) -> None:
    """Run a service call, turning its refusals into messages (the page is shown again either way)."""
    try:
        change()
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done)


@admin_required
@require_POST
def person_role(request: HttpRequest, username: str) -> HttpResponse:
    """Grant or revoke one role (audited; administrators cannot revoke their own admin role)."""
    subject = get_object_or_404(User, username=username)
    form = RoleChangeForm(request.POST)
    if not form.is_valid():
        return HttpResponse("Choose grant or revoke and a known role.", status=400, content_type="text/plain")
    actor, role = Actor.from_request(request), form.cleaned_data["role"]
    label = Role(role).label
    if form.cleaned_data["action"] == "grant":
        _apply(
            request,
            lambda: services.grant_role(actor=actor, user=subject, role=role),
            f"{subject} is now a {label.lower()}.",
        )
    else:
        _apply(
            request,
            lambda: services.revoke_role(actor=actor, user=subject, role=role),
            f"{subject} is no longer a {label.lower()}.",
        )
    return redirect("accounts:person", username=subject.username)


def _membership_change(request: HttpRequest, team: Team, subject: User, action: str) -> None:
    actor = Actor.from_request(request)
    if action == "add":
        _apply(
            request,
            lambda: services.add_member(actor=actor, team=team, user=subject),
            f"{subject} joined {team}.",
        )
    else:
        _apply(
            request,
            lambda: services.remove_member(actor=actor, team=team, user=subject),
            f"{subject} left {team}.",
        )


@admin_required
@require_POST
def person_team(request: HttpRequest, username: str) -> HttpResponse:
    """Add the user to a team or remove them from one (audited)."""
    subject = get_object_or_404(User, username=username)
    form = MembershipChangeForm(request.POST)
    if not form.is_valid() or form.cleaned_data["team"] is None:
        return HttpResponse("Choose add or remove and a team.", status=400, content_type="text/plain")
    _membership_change(request, form.cleaned_data["team"], subject, form.cleaned_data["action"])
    return redirect("accounts:person", username=subject.username)


@admin_required
def team_create(request: HttpRequest) -> HttpResponse:
    form = TeamForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            team = services.create_team(actor=Actor.from_request(request), **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"The team {team} was created.")
            return redirect("accounts:team", slug=team.slug)
    context = {"form": form, "team": None}
    return render(request, "accounts/team_form.html", context, status=400 if form.errors else 200)


@admin_required
def team(request: HttpRequest, slug: str) -> HttpResponse:
    """A team: edit its name, description and risk-committee flag; add and remove members."""
    subject = get_object_or_404(Team, slug=slug)
    form = TeamForm(request.POST or None, team=subject)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_team(actor=Actor.from_request(request), team=subject, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"The team {form.cleaned_data['name']} was saved.")
            return redirect("accounts:team", slug=subject.slug)
    members = list(User.objects.filter(memberships__team=subject).order_by("username"))
    context = {
        "form": form,
        "team": subject,
        "members": members,
        "candidates": list(
            User.objects.filter(is_active=True).exclude(memberships__team=subject).order_by("username")
        ),
        "events": list(events_about(subject)[:10]),
    }
    return render(request, "accounts/team_form.html", context, status=400 if form.errors else 200)


@admin_required
@require_POST
def team_member(request: HttpRequest, slug: str) -> HttpResponse:
    subject = get_object_or_404(Team, slug=slug)
    form = MembershipChangeForm(request.POST)
    if not form.is_valid() or form.cleaned_data["user"] is None:
        return HttpResponse("Choose add or remove and a user.", status=400, content_type="text/plain")
    _membership_change(request, subject, form.cleaned_data["user"], form.cleaned_data["action"])
    return redirect("accounts:team", slug=subject.slug)


@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    """Your API tokens (administrators: everyone's, with ?all=1), and a form to create one.

    A created token's secret is shown once, in the response to the POST, and never stored.
    """
    user = _user(request)
    is_admin = user.has_role(Role.ADMIN)
    form = TokenForm(request.POST or None, may_issue_for_others=is_admin)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            issued = services.create_token(
                actor=Actor.from_request(request),
                user=data.get("user") or user,
                name=data["name"],
                scope=data["scope"],
                expires_in_days=data["expires_in_days"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            response = render(request, "accounts/token_created.html", {"issued": issued}, status=201)
            response["Cache-Control"] = "no-store"  # the secret must not linger in any cache
            return response
    show_all = is_admin and request.GET.get("all") == "1"
    listed = ApiToken.objects.select_related("user").order_by("-created_at", "-pk")
    context = {
        "form": form,
        "tokens": list(listed if show_all else listed.filter(user=user)),
        "show_all": show_all,
        "is_admin": is_admin,
        "now": timezone.now(),
    }
    return render(request, "accounts/tokens.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """Revoke a token: your own, or anyone's for an administrator (404 for tokens you may not manage)."""
    user = _user(request)
    tokens_managed = (
        ApiToken.objects.all() if user.has_role(Role.ADMIN) else ApiToken.objects.filter(user=user)
    )
    token = get_object_or_404(tokens_managed, pk=pk)
    services.revoke_token(actor=Actor.from_request(request), token=token)
    messages.success(request, f"The token {token.name} ({token.prefix}…) was revoked; it no longer works.")
    back_to_all = token.user_id != user.pk
    return redirect(reverse("accounts:tokens") + ("?all=1" if back_to_all else ""))
