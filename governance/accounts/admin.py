"""Read-only admin for accounts: users, teams, roles and tokens change only through the audited services."""

from django.contrib import admin

from governance.accounts.models import ApiToken, Membership, RoleGrant, Team, User
from governance.web.admin_base import ReadOnlyAdmin


@admin.register(User)
class UserAdmin(ReadOnlyAdmin):
    list_display = ("username", "full_name", "email", "is_active", "is_staff", "last_login")
    list_filter = ("is_active", "is_staff")
    search_fields = ("username", "full_name", "email")
    exclude = ("password", "user_permissions", "groups")


@admin.register(Team)
class TeamAdmin(ReadOnlyAdmin):
    list_display = ("name", "slug", "is_risk_committee", "created_at")
    search_fields = ("name", "slug")


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ("user", "team", "joined_at")
    list_select_related = ("user", "team")


@admin.register(RoleGrant)
class RoleGrantAdmin(ReadOnlyAdmin):
    list_display = ("user", "role", "granted_at")
    list_filter = ("role",)
    list_select_related = ("user",)


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = (
        "name",
        "user",
        "prefix",
        "scope",
        "created_at",
        "expires_at",
        "revoked_at",
        "last_used_at",
    )
    list_filter = ("scope",)
    list_select_related = ("user",)
    exclude = ("key_hash",)
