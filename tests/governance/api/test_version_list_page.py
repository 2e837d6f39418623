"""The versions list shapes its rows directly (version_list_page); they must be VersionSerializer's.

Each list row is compared with the same version as the serializer represents it, for versions with
every stage-related field set and unset, JSON of several shapes, and two time zones.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIRequestFactory

from governance.inventory.api.serializers import VERSION_LIST_COLUMNS, VersionSerializer
from governance.inventory.models import AssetVersion
from tests.factories import make_asset, make_version, walk_version_to


@pytest.fixture
def versions(people):
    asset = make_asset(people.owner, people.retail)
    plain = make_version(asset, label="1.0")
    rich = make_version(
        asset,
        label="2.0-β",
        description='Ünïcode, <b>markup</b> & "quotes"',
        source_registry="mlflow",
        registry_ref="models:/fraud/7",
        run_id="0123abcd",
        artifact_uri="s3://bucket/model",
        artifact_digest="a" * 64,
        code_commit="deadbeef",
        training_data_refs=["s3://data/train.parquet", "warehouse.table"],
        hyperparameters={"depth": 6, "rate": 0.1, "layers": [64, 32], "nested": {"a": None}},
        metrics={"auc": 0.91, "f1": None},
    )
    claimed = walk_version_to(make_version(asset, label="3.0"), "in_validation", people)  # has a validator
    # Microseconds, a review date and a pre-1970 moment exercise the date-time formatting.
    AssetVersion.objects.filter(pk=plain.pk).update(
        next_review_at=dt.datetime(1969, 7, 20, 20, 17, 40, 123456, tzinfo=dt.UTC),
        updated_at=dt.datetime(2031, 3, 30, 1, 30, tzinfo=dt.UTC),
    )
    return [plain, rich, claimed]


@pytest.mark.parametrize("zone", ["UTC", "Europe/Paris"])
def test_each_list_row_is_what_the_serializer_gives(people, versions, api_for, zone):
    client = api_for(people.owner)
    with override_settings(TIME_ZONE=zone):
        rows = client.get("/api/v1/versions/").json()["results"]
        assert timezone.get_current_timezone_name() == zone
        fresh = AssetVersion.objects.select_related("asset", "validator").order_by("-created_at", "-pk")
        request = APIRequestFactory().get("/api/v1/versions/")
        expected = VersionSerializer(fresh, many=True, context={"request": request}).data
    assert [row["id"] for row in rows] == [v["id"] for v in expected] and len(rows) == 3
    for row, want in zip(rows, expected, strict=True):
        assert row == dict(want)
        assert list(row) == list(want)  # same key order, as clients diff them
    by_label = {row["label"]: row for row in rows}
    assert by_label["3.0"]["validator"] == people.validator.username
    if zone == "Europe/Paris":
        assert by_label["1.0"]["next_review_at"] == "1969-07-20T21:17:40.123456+01:00"
    else:
        assert by_label["1.0"]["next_review_at"] == "1969-07-20T20:17:40.123456Z"


def test_every_serializer_field_is_read_by_the_list():
    fields = VersionSerializer().fields
    related = {"asset": "asset__slug", "validator": "validator__username", "url": "id"}
    assert {related.get(name, name) for name in fields} == set(VERSION_LIST_COLUMNS)
