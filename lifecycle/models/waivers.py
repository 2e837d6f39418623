"""Waivers: an approver's time-limited exception to one gate for one object."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from lifecycle.gates import Gate


class Waiver(models.Model):
    """An exception to `gate` for an asset (version empty) or one version, valid until `expires_at`.

    It stops counting by itself at expiry (lookups compare with the clock); a periodic task then
    flags the object (`expiry_flagged_at`) and notifies the people concerned.
    """

    gate = models.CharField(max_length=40, choices=Gate.choices)
    asset = models.ForeignKey("inventory.Asset", on_delete=models.PROTECT, related_name="waivers")
    version = models.ForeignKey(
        "inventory.AssetVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="waivers"
    )
    justification = models.TextField()
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    granted_by_name = models.CharField(max_length=200)
    granted_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by_name = models.CharField(max_length=200, blank=True)
    revoke_reason = models.TextField(blank=True)
    expiry_flagged_at = models.DateTimeField(null=True, blank=True)
    expiry_reminded_at = models.DateTimeField(
        null=True, blank=True, help_text="When the people concerned were told it expires soon (once)."
    )

    class Meta:
        ordering = ["-granted_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("granted_at")), name="waiver_expires_after_grant"
            ),
            models.CheckConstraint(condition=~models.Q(justification=""), name="waiver_has_justification"),
        ]
        indexes = [models.Index(fields=["asset", "version", "gate"]), models.Index(fields=["expires_at"])]

    def __str__(self) -> str:
        return f"Waiver #{self.pk}: {self.get_gate_display()}"

    def get_absolute_url(self) -> str:
        return reverse("lifecycle:waiver", args=[self.pk])

    def is_valid_at(self, moment: object = None) -> bool:
        now = moment or timezone.now()
        return self.revoked_at is None and self.expires_at > now  # type: ignore[operator]

    @property
    def status(self) -> str:
        if self.revoked_at is not None:
            return "revoked"
        return "valid" if self.expires_at > timezone.now() else "expired"
