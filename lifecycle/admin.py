"""Read-only admin for stage history: transitions are written only by lifecycle.transitions.transition()."""

from django.contrib import admin

from governance.web.admin_base import ReadOnlyAdmin
from lifecycle.models import StageTransition


@admin.register(StageTransition)
class StageTransitionAdmin(ReadOnlyAdmin):
    list_display = ("at", "kind", "asset", "version", "source", "target", "actor_name")
    list_filter = ("kind", "target")
    search_fields = ("asset__name", "actor_name", "reason")
    list_select_related = ("asset", "version", "version__asset")
    ordering = ("-at", "-id")
