"""Read-only admin for the inventory: assets and versions change only through services and transition()."""

from django.contrib import admin

from governance.inventory.models import Asset, AssetVersion
from governance.web.admin_base import ReadOnlyAdmin


@admin.register(Asset)
class AssetAdmin(ReadOnlyAdmin):
    list_display = ("name", "slug", "kind", "team", "stage", "ai_act_category", "materiality_tier")
    list_filter = ("stage", "kind", "ai_act_category", "materiality_tier", "team")
    search_fields = ("name", "slug", "purpose")
    list_select_related = ("team",)


@admin.register(AssetVersion)
class AssetVersionAdmin(ReadOnlyAdmin):
    list_display = ("asset", "label", "stage", "registry_ref", "created_at")
    list_filter = ("stage",)
    search_fields = ("label", "asset__name", "asset__slug", "registry_ref", "artifact_digest")
    list_select_related = ("asset",)
