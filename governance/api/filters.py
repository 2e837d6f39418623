"""The API's filter backend: django-filter, skipped when a request names none of the filters."""

from __future__ import annotations

from functools import cache
from typing import Any

from django import forms
from django.db.models import QuerySet
from django_filters import FilterSet
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.request import Request


class FilterBackend(DjangoFilterBackend):
    """DjangoFilterBackend, except that a request with no filter parameter is passed through.

    django-filter builds and validates a form on every request, about a twentieth of a list
    request; a request that names no filter has nothing to filter and nothing to refuse.
    """

    def filter_queryset(self, request: Request, queryset: QuerySet, view: Any) -> QuerySet:
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None:
            return queryset
        names = _parameter_names(filterset_class)
        if names is not None and not names & request.query_params.keys():
            return queryset
        return super().filter_queryset(request, queryset, view)


@cache
def _parameter_names(filterset_class: type[FilterSet]) -> frozenset[str] | None:
    """The query parameters the filters read, or None when they cannot be told from the names.

    A filter reads the parameter named after it, except one whose form field takes several values
    (a range's `_min` and `_max`, say): for those, the backend always runs django-filter.
    """
    filters = filterset_class.base_filters
    if any(issubclass(f.field_class, forms.MultiValueField) for f in filters.values()):
        return None
    return frozenset(filters)
