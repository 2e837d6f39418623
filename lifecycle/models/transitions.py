"""One StageTransition per stage change: the source of point-in-time answers."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from lifecycle.stages import ASSET, VERSION


class StageTransition(models.Model):
    """A stage change of an asset or a version: who, when, from, to and why. Written only by transition()."""

    KIND_CHOICES = [(ASSET, "Asset"), (VERSION, "Version")]

    kind = models.CharField(max_length=10, choices=KIND_CHOICES)
    asset = models.ForeignKey("inventory.Asset", on_delete=models.PROTECT, related_name="transitions")
    version = models.ForeignKey(
        "inventory.AssetVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="transitions"
    )
    source = models.CharField(max_length=20)
    target = models.CharField(max_length=20)
    actor_kind = models.CharField(max_length=16)
    actor_id = models.CharField(max_length=64)
    actor_name = models.CharField(max_length=200, help_text="Snapshot of the actor's name at the time.")
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["asset", "kind", "at"]),
            models.Index(fields=["version", "at"]),
            models.Index(fields=["actor_user"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(kind=ASSET, version__isnull=True) | models.Q(kind=VERSION, version__isnull=False)
                ),
                name="transition_kind_matches_object",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.source} → {self.target} by {self.actor_name}"
