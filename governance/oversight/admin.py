"""Read-only admin for findings: they change through the oversight services, which audit them."""

from django.contrib import admin

from governance.oversight.models import Finding
from governance.web.admin_base import ReadOnlyAdmin


@admin.register(Finding)
class FindingAdmin(ReadOnlyAdmin):
    list_display = ("title", "asset", "version", "severity", "status", "due_date")
    list_filter = ("severity", "status", "source")
    search_fields = ("title", "asset__name")
    list_select_related = ("asset", "version", "version__asset")
