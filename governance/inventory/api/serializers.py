"""Inventory API shapes. Serializers validate shape only; services decide what is allowed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from django.utils import timezone
from rest_framework import serializers
from rest_framework.reverse import reverse as drf_reverse

from governance.accounts.models import Team, User
from governance.inventory.models import PROHIBITED_MESSAGE, AiActCategory, Asset, AssetVersion, sha256_hex


class CategoryField(serializers.ChoiceField):
    """Like a ChoiceField, but names the legal reason "prohibited" is refused."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=AiActCategory.choices, **kwargs)

    def to_internal_value(self, data: Any) -> Any:
        if data == "prohibited":
            raise serializers.ValidationError(PROHIBITED_MESSAGE)
        return super().to_internal_value(data)


def detail_urls(view_name: str, request: Any, lookup_url_kwarg: str = "pk") -> Callable[[Any], str]:
    """A function giving the absolute detail URL of `view_name` for a row's key.

    reverse() costs about 80 µs, a third of a version row's serialisation in a list of 50, so a
    page reverses once and puts each row's key into the result.
    """
    url = drf_reverse(view_name, kwargs={lookup_url_kwarg: _URL_SENTINEL}, request=request)
    prefix, suffix = url.split(str(_URL_SENTINEL))
    return lambda key: f"{prefix}{key}{suffix}"


_URL_SENTINEL = 9_876_543_210_123


class PkIdentityField(serializers.HyperlinkedIdentityField):
    """A pk-based detail URL that reverse()s once per request, then formats each row's pk into it."""

    def get_url(self, obj: Any, view_name: str, request: Any, format: str | None) -> Any:
        if format is not None or self.lookup_field != "pk" or getattr(obj, "pk", None) is None:
            return super().get_url(obj, view_name, request, format)
        makers: dict[tuple[str, int], Callable[[Any], str]] = self.__dict__.setdefault("_makers", {})
        key = (view_name, id(request))
        if key not in makers:
            makers[key] = detail_urls(view_name, request, self.lookup_url_kwarg)
        return makers[key](obj.pk)


class VisibleAssetsMixin:
    """Related-asset fields resolve only assets the caller may see, so errors never reveal others."""

    asset_fields: tuple[str, ...] = ()

    def get_fields(self) -> dict[str, Any]:
        from lifecycle.queries import visible_assets

        fields = super().get_fields()  # type: ignore[misc]
        request = self.context.get("request")  # type: ignore[attr-defined]
        if request is not None and request.method in ("GET", "HEAD", "OPTIONS"):
            return fields  # nothing is written, so nothing is resolved: skip building the rule
        for name in self.asset_fields:
            field = fields.get(name)
            if field is None or request is None or field.read_only:
                continue
            target = field.child_relation if isinstance(field, serializers.ManyRelatedField) else field
            target.queryset = visible_assets(request.user)  # type: ignore[arg-type]
        return fields


class AssetSerializer(VisibleAssetsMixin, serializers.ModelSerializer):
    team = serializers.SlugRelatedField(slug_field="slug", queryset=Team.objects.all())
    owner = serializers.SlugRelatedField(
        slug_field="username", queryset=User.objects.filter(is_active=True), required=False
    )
    dependencies = serializers.SlugRelatedField(
        slug_field="slug", many=True, queryset=Asset.objects.all(), required=False
    )
    ai_act_category = CategoryField()
    tags = serializers.ListField(child=serializers.CharField(max_length=50), required=False, max_length=30)
    url = serializers.HyperlinkedIdentityField(view_name="api-asset-detail", lookup_field="slug")
    asset_fields = ("dependencies",)

    class Meta:
        model = Asset
        fields = [
            "url",
            "slug",
            "name",
            "kind",
            "team",
            "owner",
            "purpose",
            "intended_use",
            "intended_users",
            "out_of_scope_uses",
            "ai_act_category",
            "materiality_tier",
            "vendor",
            "dependencies",
            "tags",
            "stage",
            "stage_changed_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["stage", "stage_changed_at", "created_at", "updated_at"]
        extra_kwargs: dict[str, dict[str, Any]] = {"slug": {"validators": []}}


class AssetUpdateSerializer(AssetSerializer):
    """Updates may not move an asset to another team, owner or slug (those need their own process)."""

    class Meta(AssetSerializer.Meta):
        read_only_fields = [*AssetSerializer.Meta.read_only_fields, "slug", "team", "owner"]


class VersionSerializer(VisibleAssetsMixin, serializers.ModelSerializer):
    asset = serializers.SlugRelatedField(slug_field="slug", queryset=Asset.objects.all())
    artifact_digest = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        validators=[sha256_hex],
        help_text="SHA-256 of the artifact, 64 lower-case hex characters.",
    )
    training_data_refs = serializers.ListField(
        child=serializers.CharField(max_length=500), required=False, max_length=100
    )
    hyperparameters = serializers.DictField(required=False)
    metrics = serializers.DictField(required=False)
    validator: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    url = PkIdentityField(view_name="api-version-detail")
    asset_fields = ("asset",)

    class Meta:
        model = AssetVersion
        fields = [
            "url",
            "id",
            "asset",
            "label",
            "description",
            "source_registry",
            "registry_ref",
            "run_id",
            "artifact_uri",
            "artifact_digest",
            "code_commit",
            "training_data_refs",
            "hyperparameters",
            "metrics",
            "stage",
            "stage_changed_at",
            "validator",
            "next_review_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "stage",
            "stage_changed_at",
            "validator",
            "next_review_at",
            "created_at",
            "updated_at",
        ]
        validators: list[Any] = []  # uniqueness is answered by the service with a field error


# What the versions list reads: VersionSerializer's fields, the related ones through their joins.
_RELATED_COLUMNS = {"asset": "asset__slug", "validator": "validator__username"}
VERSION_LIST_COLUMNS = tuple(
    _RELATED_COLUMNS.get(name, name) for name in VersionSerializer.Meta.fields if name != "url"
)


def version_list_page(rows: Iterable[dict[str, Any]], request: Any) -> list[dict[str, Any]]:
    """A page of versions in exactly VersionSerializer's representation, from `values()` rows.

    Registries and pipelines poll this list. DRF's per-field machinery (field lookups, attribute
    access, timezone look-ups) took about a third of each request, and model instances another
    tenth; this builds the same dicts directly. A field added to VersionSerializer must be added
    here too (VERSION_LIST_COLUMNS reads it already): tests/governance/api/test_version_list_page.py
    compares the two on varied versions.
    """
    url = detail_urls("api-version-detail", request)
    zone = timezone.get_current_timezone()
    return [
        {
            "url": url(row["id"]),
            "id": row["id"],
            "asset": row["asset__slug"],
            "label": row["label"],
            "description": row["description"],
            "source_registry": row["source_registry"],
            "registry_ref": row["registry_ref"],
            "run_id": row["run_id"],
            "artifact_uri": row["artifact_uri"],
            "artifact_digest": row["artifact_digest"],
            "code_commit": row["code_commit"],
            # ListField(CharField) and DictField as DRF represents them.
            "training_data_refs": [None if ref is None else str(ref) for ref in row["training_data_refs"]],
            "hyperparameters": {str(key): value for key, value in row["hyperparameters"].items()},
            "metrics": {str(key): value for key, value in row["metrics"].items()},
            "stage": row["stage"],
            "stage_changed_at": iso_datetime(row["stage_changed_at"], zone),
            "validator": row["validator__username"],
            "next_review_at": iso_datetime(row["next_review_at"], zone),
            "created_at": iso_datetime(row["created_at"], zone),
            "updated_at": iso_datetime(row["updated_at"], zone),
        }
        for row in rows
    ]


def iso_datetime(value: dt.datetime | None, zone: dt.tzinfo) -> str | None:
    """DRF's DateTimeField representation: ISO 8601 in the current time zone, UTC written as Z."""
    if value is None:
        return None
    text = value.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


class VersionUpdateSerializer(VersionSerializer):
    class Meta(VersionSerializer.Meta):
        read_only_fields = [*VersionSerializer.Meta.read_only_fields, "asset", "label"]
