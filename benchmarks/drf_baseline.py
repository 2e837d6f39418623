"""The plain DRF baseline that benchmarks/api.py compares the versions list with.

The issue's target for list endpoints is "at least the plain DRF baseline": a DRF list of 50 rows,
which the team measured at about 300 requests/s on a 2-core machine. Machines differ (the same
benchmark has run 2x apart on two days here), so api.py serves this baseline from the same gunicorn,
on the same database and rows, and reports both. It is DRF as a tutorial writes it: a ListAPIView
with a ModelSerializer of every field, page-number pagination of 50, and no authentication,
permissions, filters or visibility rule. Steward's middleware stays in front of it, as it would in
any deployment.

This module is the URL conf (Steward's URLs plus /baseline/versions/); it is only ever loaded
through benchmarks/drf_baseline_settings.py, never by Steward itself.
"""

from django.urls import include, path
from rest_framework import generics, pagination, permissions, serializers

from governance.inventory.models import AssetVersion


class PlainVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = AssetVersion
        fields = "__all__"


class PageOf50(pagination.PageNumberPagination):
    page_size = 50


class PlainVersionList(generics.ListAPIView):
    queryset = AssetVersion.objects.order_by("-created_at", "-pk")
    serializer_class = PlainVersionSerializer
    pagination_class = PageOf50
    authentication_classes = ()
    permission_classes = (permissions.AllowAny,)
    filter_backends = ()


urlpatterns = [
    path("baseline/versions/", PlainVersionList.as_view()),
    path("", include("governance.urls")),
]
