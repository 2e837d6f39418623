"""Assets and versions (DESIGN §2). Stages are written only by lifecycle.transitions.transition()."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone

from lifecycle.stages import AssetStage, VersionStage

sha256_hex = RegexValidator(r"^[0-9a-f]{64}$", "Enter a SHA-256 digest as 64 lower-case hex characters.")


class AssetKind(models.TextChoices):
    MODEL = "model", "Model"
    DATASET = "dataset", "Dataset"
    PIPELINE = "pipeline", "Pipeline"
    LLM_APPLICATION = "llm_application", "LLM application"


class AiActCategory(models.TextChoices):
    """EU AI Act risk categories Steward governs. Prohibited practices (Art. 5) are refused outright."""

    MINIMAL = "minimal", "Minimal risk"
    LIMITED = "limited", "Limited risk (transparency)"
    HIGH = "high", "High risk"


PROHIBITED_MESSAGE = (
    "Prohibited AI practices (EU AI Act Art. 5) cannot be governed here: they may not be deployed at all."
)


class MaterialityTier(models.IntegerChoices):
    """SR 11-7 style materiality: tier 1 is the most material."""

    TIER_1 = 1, "Tier 1 (high)"
    TIER_2 = 2, "Tier 2 (medium)"
    TIER_3 = 3, "Tier 3 (low)"


class Asset(models.Model):
    """One governed ML asset. Never hard-deleted: it is retired or rejected instead."""

    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=AssetKind.choices, default=AssetKind.MODEL)
    team = models.ForeignKey("accounts.Team", on_delete=models.PROTECT, related_name="assets")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_assets")
    purpose = models.TextField()
    intended_use = models.TextField(blank=True)
    intended_users = models.TextField(blank=True)
    out_of_scope_uses = models.TextField(blank=True)
    ai_act_category = models.CharField(max_length=10, choices=AiActCategory.choices)
    materiality_tier = models.PositiveSmallIntegerField(
        choices=MaterialityTier.choices, validators=[MinValueValidator(1), MaxValueValidator(3)]
    )
    vendor = models.CharField(
        max_length=200, blank=True, help_text="For third-party models: who supplies it."
    )
    dependencies = models.ManyToManyField("self", symmetrical=False, related_name="dependents", blank=True)
    tags = models.JSONField(default=list, blank=True)
    stage = models.CharField(
        max_length=20, choices=AssetStage.choices, default=AssetStage.PROPOSED, editable=False
    )
    stage_changed_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=models.Q(stage__in=AssetStage.values), name="asset_known_stage"),
            models.CheckConstraint(
                condition=models.Q(ai_act_category__in=AiActCategory.values), name="asset_known_category"
            ),
            models.CheckConstraint(
                condition=models.Q(materiality_tier__in=[1, 2, 3]), name="asset_tier_1_to_3"
            ),
        ]
        indexes = [models.Index(fields=["team", "stage"]), models.Index(fields=["stage"])]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("inventory:asset", args=[self.slug])


class AssetVersion(models.Model):
    """The technical identity of one version, its stage and its next periodic review."""

    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="versions")
    label = models.CharField(max_length=60, help_text="The version label, e.g. 1.4.0 or 7.")
    description = models.TextField(blank=True)
    source_registry = models.CharField(
        max_length=100, blank=True, help_text="Where the version lives, e.g. mlflow."
    )
    registry_ref = models.CharField(
        max_length=500,
        blank=True,
        help_text="The registry's id or URI for this version, e.g. models:/fraud/7.",
    )
    run_id = models.CharField(max_length=100, blank=True)
    artifact_uri = models.CharField(max_length=1000, blank=True)
    artifact_digest = models.CharField(max_length=64, blank=True, validators=[sha256_hex])
    code_commit = models.CharField(max_length=64, blank=True)
    training_data_refs = models.JSONField(default=list, blank=True)
    hyperparameters = models.JSONField(default=dict, blank=True)
    metrics = models.JSONField(default=dict, blank=True)
    stage = models.CharField(
        max_length=20, choices=VersionStage.choices, default=VersionStage.REGISTERED, editable=False
    )
    stage_changed_at = models.DateTimeField(default=timezone.now, editable=False)
    validator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        help_text="The validator who claimed the version (written by lifecycle).",
    )
    next_review_at = models.DateTimeField(null=True, blank=True, editable=False)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["asset", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["asset", "label"], name="version_label_unique_per_asset"),
            models.UniqueConstraint(
                fields=["registry_ref"],
                condition=~models.Q(registry_ref=""),
                name="version_registry_ref_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(stage__in=VersionStage.values), name="version_known_stage"
            ),
        ]
        indexes = [
            models.Index(fields=["stage"]),
            models.Index(fields=["next_review_at"]),
            # The API's list order (newest first): a page is read from the index, not sorted.
            models.Index(fields=["-created_at", "-id"], name="inventory_version_newest_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.asset.name} {self.label}"

    def get_absolute_url(self) -> str:
        return reverse("inventory:version", args=[self.asset.slug, self.pk])
