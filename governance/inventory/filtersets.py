"""Filters shared by the inventory list page and the API (one definition, two doors)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters
from django.db.models import Q, QuerySet

from governance.accounts.models import Team
from governance.inventory.models import AiActCategory, Asset, AssetKind, AssetVersion, MaterialityTier
from lifecycle.stages import AssetStage, VersionStage


class AssetFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    team = django_filters.ModelChoiceFilter(queryset=Team.objects.all(), to_field_name="slug")
    kind = django_filters.ChoiceFilter(choices=AssetKind.choices)
    category = django_filters.ChoiceFilter(field_name="ai_act_category", choices=AiActCategory.choices)
    tier = django_filters.TypedChoiceFilter(
        field_name="materiality_tier", choices=MaterialityTier.choices, coerce=int
    )
    stage = django_filters.ChoiceFilter(choices=AssetStage.choices)
    version_stage = django_filters.ChoiceFilter(
        choices=VersionStage.choices, method="filter_version_stage", label="Has a version in stage"
    )

    class Meta:
        model = Asset
        fields = ["q", "team", "kind", "category", "tier", "stage", "version_stage"]

    def search(self, queryset: QuerySet[Asset], name: str, value: str) -> QuerySet[Asset]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(name__icontains=value)
            | Q(slug__icontains=value)
            | Q(purpose__icontains=value)
            | Q(vendor__icontains=value)
        )

    def filter_version_stage(self, queryset: QuerySet[Asset], name: str, value: str) -> QuerySet[Asset]:
        return queryset.filter(versions__stage=value).distinct() if value else queryset


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    """An ISO 8601 date-time filter that queries in UTC (PostgreSQL refuses offsets such as +18:10)."""

    def filter(self, qs: QuerySet, value: Any) -> QuerySet:
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            try:
                value = value.astimezone(dt.UTC)
            except OverflowError:
                return qs.none()  # outside the representable range: matches nothing
        return super().filter(qs, value)


class VersionFilter(django_filters.FilterSet):
    asset = django_filters.CharFilter(field_name="asset__slug")
    stage = django_filters.ChoiceFilter(choices=VersionStage.choices)
    team = django_filters.CharFilter(field_name="asset__team__slug")
    registry_ref = django_filters.CharFilter()
    review_due_before = UtcIsoDateTimeFilter(field_name="next_review_at", lookup_expr="lt")

    class Meta:
        model = AssetVersion
        fields = ["asset", "stage", "team", "registry_ref", "review_due_before"]
