"""Document templates (versioned), documents and their immutable revisions (DESIGN §2).

A template's sections live in immutable TemplateVersion rows: editing a template writes a new
version, so every revision names exactly the section list it was written against. A revision is
never updated or deleted (the ORM refuses and, on PostgreSQL and SQLite, a trigger refuses too).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone


class DocumentKind(models.TextChoices):
    """What a document is for; the lifecycle's gates look documents up by kind."""

    MODEL_CARD = "model_card", "Model card"
    ANNEX_IV = "annex_iv", "EU AI Act Annex IV technical documentation"
    VALIDATION_REPORT = "validation_report", "Validation report"
    DATASHEET = "datasheet", "Datasheet for datasets"


# Documents written by the independent validator rather than by the asset's owners (DESIGN §1).
VALIDATOR_KINDS = frozenset({DocumentKind.VALIDATION_REPORT})


class SectionKind(models.TextChoices):
    MARKDOWN = "markdown", "Rich text (Markdown)"
    TABLE = "table", "Table (e.g. metrics)"
    FIELDS = "fields", "Structured fields"


class DocumentTemplate(models.Model):
    """A named template; its name, guidance and sections are in its current TemplateVersion."""

    slug = models.SlugField(max_length=60, unique=True)
    kind = models.CharField(max_length=30, choices=DocumentKind.choices)
    is_active = models.BooleanField(default=True, help_text="Inactive templates take no new documents.")
    current_version = models.ForeignKey(
        "TemplateVersion", null=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["kind", "slug"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=DocumentKind.values), name="template_known_kind"),
        ]

    def __str__(self) -> str:
        return self.current_version.name if self.current_version else self.slug

    def get_absolute_url(self) -> str:
        return reverse("model_cards:template", args=[self.slug])


class TemplateVersion(models.Model):
    """One immutable state of a template: name, description and the ordered section specs.

    `sections` is a list of {key, title, kind, required, guidance, columns?, fields?} as validated by
    governance.model_cards.sections.parse_sections.
    """

    template = models.ForeignKey(DocumentTemplate, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    sections = models.JSONField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["template", "number"]
        constraints = [
            models.UniqueConstraint(fields=["template", "number"], name="template_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.number}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("Template versions are immutable: edit the template to make a new version.")
        super().save(*args, **kwargs)


class Document(models.Model):
    """One document (model card, validation report…) of an asset or of one of its versions.

    At most one document of each kind per version (and per asset for asset-level documents). It is
    final when its author marked its current revision final; any new revision clears that.
    """

    asset = models.ForeignKey("inventory.Asset", on_delete=models.PROTECT, related_name="documents")
    version = models.ForeignKey(
        "inventory.AssetVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="documents"
    )
    template = models.ForeignKey(DocumentTemplate, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(max_length=30, choices=DocumentKind.choices, editable=False)
    current_revision = models.ForeignKey(
        "Revision", null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    final_revision = models.ForeignKey(
        "Revision", null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    finalised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    finalised_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["asset", "version", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "kind"],
                condition=Q(version__isnull=False),
                name="document_kind_per_version",
            ),
            models.UniqueConstraint(
                fields=["asset", "kind"], condition=Q(version__isnull=True), name="document_kind_per_asset"
            ),
            # Only the current revision can be the final one: a new revision clears finality.
            models.CheckConstraint(
                condition=Q(final_revision__isnull=True) | Q(final_revision=F("current_revision")),
                name="document_final_is_current",
            ),
            models.CheckConstraint(condition=Q(kind__in=DocumentKind.values), name="document_known_kind"),
        ]

    def __str__(self) -> str:
        owner = f"{self.version}" if self.version_id else f"{self.asset}"
        return f"{self.get_kind_display()} of {owner}"

    def get_absolute_url(self) -> str:
        return reverse("model_cards:document", args=[self.pk])

    @property
    def is_final(self) -> bool:
        return self.final_revision_id is not None and self.final_revision_id == self.current_revision_id

    @property
    def is_complete(self) -> bool:
        return self.current_revision is not None and self.current_revision.is_complete


class RevisionSource(models.TextChoices):
    EDIT = "edit", "Edited"
    COPY = "copy", "Started from another version's document"
    IMPORT_JSON = "import_json", "Imported from JSON"
    IMPORT_MARKDOWN = "import_markdown", "Imported from Markdown"


class RevisionQuerySet(models.QuerySet["Revision"]):
    """Bulk writes bypass save(): refuse them here too (the database trigger is the last word)."""

    def update(self, **kwargs: Any) -> int:
        raise ValueError("Revisions are immutable: save a new revision instead.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise ValueError("Revisions are never deleted.")


class Revision(models.Model):
    """An immutable state of a document's content: author, time and SHA-256 of its canonical form.

    `content` maps section keys to values (Markdown text, table rows, or field values). `is_complete`
    and `missing` are derived at write time from the content and the template version, both of
    which are immutable, so they can never go stale.
    """

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="revisions")
    number = models.PositiveIntegerField()
    template_version = models.ForeignKey(TemplateVersion, on_delete=models.PROTECT, related_name="+")
    content = models.JSONField()
    sha256 = models.CharField(max_length=64)
    is_complete = models.BooleanField()
    missing = models.JSONField(default=list, help_text="Titles of required sections without content.")
    summary = models.CharField(max_length=300, blank=True, help_text="What changed, in the author's words.")
    source = models.CharField(max_length=20, choices=RevisionSource.choices, default=RevisionSource.EDIT)
    based_on = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The revision this one was copied from (another version's document).",
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    author_name = models.CharField(max_length=150, help_text="Snapshot of who wrote it.")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = RevisionQuerySet.as_manager()

    class Meta:
        ordering = ["document", "number"]
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="revision_number_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="revision_number_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.document} r{self.number}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("Revisions are immutable: save a new revision instead.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ValueError("Revisions are never deleted.")
