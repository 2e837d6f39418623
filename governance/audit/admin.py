"""Read-only admin for the ledger: events, checkpoints and verification runs."""

from __future__ import annotations

from django.contrib import admin

from governance.audit.models import AuditEvent, Checkpoint, VerificationRun
from governance.web.admin_base import ReadOnlyAdmin


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("seq", "time", "action", "actor_name", "object_type", "object_id", "object_repr")
    list_filter = ("action", "actor_kind", "object_type")
    search_fields = ("actor_name", "object_repr", "object_id", "request_id")
    fields = (
        "seq",
        "time",
        "chain_id",
        "action",
        "actor_kind",
        "actor_id",
        "actor_name",
        "object_type",
        "object_id",
        "object_repr",
        "request_id",
        "canonical",
        "leaf_hex",
        "link_hex",
    )
    readonly_fields = fields
    ordering = ("-seq",)
    show_full_result_count = False  # a COUNT(*) over millions of events on every page is not worth it

    @admin.display(description="leaf (hex)")
    def leaf_hex(self, obj: AuditEvent) -> str:
        return obj.leaf_hex

    @admin.display(description="link (hex)")
    def link_hex(self, obj: AuditEvent) -> str:
        return obj.link_hex


@admin.register(Checkpoint)
class CheckpointAdmin(ReadOnlyAdmin):
    list_display = ("chain_id", "size", "signed_at", "key_id")
    ordering = ("-size",)


@admin.register(VerificationRun)
class VerificationRunAdmin(ReadOnlyAdmin):
    list_display = ("finished_at", "status", "size", "first_bad_seq", "triggered_by")
    list_filter = ("status",)
    ordering = ("-finished_at",)
