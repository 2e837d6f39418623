"""The Django admin shows governed records read-only: changes go through the services, which audit them."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest


class ReadOnlyAdmin(admin.ModelAdmin):
    """View-only admin: no add, change or delete, and no bulk actions (not even "delete selected").

    With change refused, Django renders each record's page in view-only mode, every field as text.
    """

    actions = None

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False
