"""Metric ingest through the API: integration tokens only, idempotent, all or nothing, one event per batch,
every bad item named by index and reason, nothing stored from a bad batch."""

from __future__ import annotations

import json

import pytest

from governance.audit.models import AuditEvent
from governance.oversight.models.monitoring import Observation, ObservationBatch
from tests.governance.oversight.monitoring_support import observation, planned_version, push


@pytest.fixture
def version(people):
    return planned_version(people)


@pytest.fixture
def integration(people, api_for):
    return api_for(people.owner, scope="integration")


def _ingest_events():
    return AuditEvent.objects.filter(action="monitoring.observations_ingested")


def test_a_batch_is_stored_with_its_statuses_and_one_audit_event(version, integration):
    response = push(
        integration,
        version,
        observation("auc", 0.81, days_ago=3),
        observation("auc", 0.74, days_ago=2),
        observation("psi_income", 0.05, days_ago=2, segment="region=PL"),
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["size"], body["stored"], body["duplicates"], body["warnings"], body["breaches"]) == (
        3,
        3,
        0,
        1,
        0,
    )
    statuses = dict(Observation.objects.values_list("value", "status"))
    assert statuses == {0.81: "ok", 0.74: "warning", 0.05: "ok"}
    [event] = _ingest_events()
    assert event.object_type == "oversight.observationbatch" and event.object_id == str(body["batch"])
    assert event.payload["stored"] == 3 and event.payload["versions"][0]["id"] == version.pk
    assert event.actor_kind == "token"


def test_replaying_a_batch_stores_nothing_twice(version, integration):
    batch = [observation("auc", 0.81, days_ago=d) for d in (3, 2, 1)]
    assert push(integration, version, *batch).json()["stored"] == 3
    again = push(integration, version, *batch).json()
    assert (again["stored"], again["duplicates"]) == (0, 3)
    assert Observation.objects.count() == 3
    assert _ingest_events().count() == 2 and ObservationBatch.objects.count() == 2


def test_a_repeat_inside_one_batch_counts_once(version, integration):
    same = observation("auc", 0.8, days_ago=1)
    body = push(integration, version, same, same).json()
    assert (body["stored"], body["duplicates"]) == (1, 1)


def test_an_observation_is_never_overwritten_by_another_value(version, integration):
    first = observation("auc", 0.81, days_ago=1)
    push(integration, version, first)
    response = push(integration, version, observation("psi_income", 0.01), dict(first, value=0.5))
    assert response.status_code == 400
    assert response.json()["items"] == [
        {
            "index": 1,
            "field": "value",
            "reason": "Already recorded with the value 0.81; observations are never overwritten.",
        }
    ]
    assert list(Observation.objects.values_list("value", flat=True)) == [0.81]


def test_one_bad_item_rejects_the_whole_batch(version, integration):
    good = [observation("auc", 0.8, days_ago=d) for d in (5, 4, 3)]
    bad = observation("auc", 0.8, days_ago=2)
    bad["window_start"], bad["window_end"] = bad["window_end"], bad["window_start"]
    response = push(integration, version, *good, bad)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_batch"
    assert body["detail"] == "1 of 4 observations are invalid; nothing of the batch was stored."
    assert body["items"] == [
        {"index": 3, "field": "window_end", "reason": "The window ends before it starts."}
    ]
    assert (
        Observation.objects.count() == 0
        and ObservationBatch.objects.count() == 0
        and not _ingest_events().exists()
    )


def test_every_bad_item_is_named_with_its_reason(people, version, integration):
    from tests.factories import make_asset, make_version

    invisible = make_version(make_asset(people.outsider, people.marketing))
    items = [
        observation("auc", 0.8),  # 0 fine
        observation("accuracy", 0.8),  # 1 not in the plan
        observation("auc", "high"),  # 2 not a number
        observation("auc", True),  # 3 a boolean is not a measurement
        observation("auc", "NaN"),  # 4 text, not a number
        dict(observation("auc", 0.8, days_ago=2), window_end="yesterday"),  # 5 not a time
        dict(observation("auc", 0.8, days_ago=3), window_start="2026-03-01T00:00:00"),  # 6 naive
        observation("auc", 0.8, version=999_999),  # 7 no such version
        observation("auc", 0.8, version=invisible.pk),  # 8 not visible to the token's user
        dict(observation("auc", 0.8, days_ago=4), colour="red"),  # 9 unknown field
        observation("auc", 0.8, days_ago=-2),  # 10 ends in the future
        "auc=0.8",  # 11 not an object
    ]
    response = push(integration, version, *items)
    assert response.status_code == 400
    problems = {(p["index"], p["field"]): p["reason"] for p in response.json()["items"]}
    assert set(problems) == {
        (1, "metric"),
        (2, "value"),
        (3, "value"),
        (4, "value"),
        (5, "window_end"),
        (6, "window_start"),
        (7, "version"),
        (8, "version"),
        (9, "colour"),
        (10, "window_end"),
        (11, ""),
    }
    assert (
        problems[(1, "metric")]
        == f"Version {version.pk} does not watch “accuracy”; its plan watches auc, psi_income."
    )
    assert problems[(7, "version")] == "Unknown version 999999."
    assert problems[(8, "version")] == f"Unknown version {invisible.pk}."  # no hint that it exists
    assert problems[(6, "window_start")] == "Include a time zone (e.g. a trailing Z for UTC)."
    assert Observation.objects.count() == 0


def test_a_literal_nan_or_infinity_is_refused_by_index(version, integration):
    items = [
        observation("auc", 0.8),
        observation("auc", 0.5, days_ago=2),
        observation("auc", 0.5, days_ago=3),
    ]
    text = (
        json.dumps({"version": version.pk, "observations": items})
        .replace("0.5", "NaN", 1)
        .replace("0.5", "-Infinity", 1)
    )
    response = integration.post("/api/v1/observations/", text, content_type="application/json")
    assert response.status_code == 400
    assert [(p["index"], p["reason"]) for p in response.json()["items"]] == [
        (1, "NaN and infinities are not measurements."),
        (2, "NaN and infinities are not measurements."),
    ]


def test_a_version_without_a_plan_watches_nothing(people, integration):
    from tests.factories import make_asset, make_version

    bare = make_version(make_asset(people.owner, people.retail))
    response = push(integration, bare, observation("auc", 0.8))
    assert response.json()["items"][0]["reason"] == (
        f"Version {bare.pk} does not watch “auc”; its plan watches nothing: it has no monitoring plan."
    )


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"observations": []}, "“observations” must be a non-empty list."),
        ({"observations": "all of them"}, "“observations” must be a non-empty list."),
        ([], "Send a JSON object with an “observations” list."),
        ({"observations": [{}], "extra": 1}, "Unknown field(s) in the batch: extra."),
    ],
)
def test_malformed_envelopes_are_refused(integration, body, detail):
    response = integration.post("/api/v1/observations/", body, format="json")
    assert response.status_code == 400 and response.json()["detail"] == detail


def test_a_batch_of_1000_is_taken_and_1001_refused(version, integration, django_assert_max_num_queries):
    items = [observation("auc", 0.8, days_ago=1 + i / 100, hours=0.5) for i in range(1000)]
    with django_assert_max_num_queries(30):
        response = push(integration, version, *items)
    assert response.status_code == 201 and response.json()["stored"] == 1000
    too_many = [observation("psi_income", 0.01, days_ago=20 + i / 100, hours=0.5) for i in range(1001)]
    response = push(integration, version, *too_many)
    assert response.status_code == 400
    assert response.json()["detail"].startswith(
        "A batch holds at most 1,000 observations; this one has 1,001."
    )
    assert Observation.objects.count() == 1000


def test_the_query_count_does_not_grow_with_the_batch(version, integration):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_for(n, offset):
        items = [observation("psi_income", 0.01, days_ago=offset + i / 100, hours=0.5) for i in range(n)]
        with CaptureQueriesContext(connection) as captured:
            assert push(integration, version, *items).status_code == 201
        return len(captured)

    queries_for(1, 60)  # the token's first use of the session writes its last-used time
    assert queries_for(10, 1) == queries_for(500, 30)


def test_several_versions_in_one_batch(people, integration):
    first, second = planned_version(people), planned_version(people)
    response = push(
        integration,
        None,
        observation("auc", 0.8, version=first.pk),
        observation("auc", 0.9, version=second.pk),
    )
    assert response.status_code == 201
    [event] = _ingest_events()
    assert sorted(v["id"] for v in event.payload["versions"]) == sorted([first.pk, second.pk])


@pytest.mark.parametrize("scope", ["read", "write"])
def test_only_integration_tokens_push(people, version, api_for, scope):
    response = push(api_for(people.owner, scope=scope), version, observation("auc", 0.8))
    assert response.status_code == 403
    assert Observation.objects.count() == 0


def test_a_signed_in_person_does_not_push(people, version, client):
    client.force_login(people.owner)
    response = client.post(
        "/api/v1/observations/",
        json.dumps({"version": version.pk, "observations": [observation("auc", 0.8)]}),
        content_type="application/json",
    )
    assert response.status_code == 403


def test_observations_are_listed_for_whoever_sees_the_version(people, version, integration, api_for):
    push(integration, version, observation("auc", 0.81, days_ago=2), observation("auc", 0.6, days_ago=1))
    listed = api_for(people.compliance).get(
        f"/api/v1/versions/{version.pk}/observations/?metric=auc&status=breach"
    )
    assert listed.status_code == 200
    assert [(o["value"], o["status"]) for o in listed.json()["results"]] == [(0.6, "breach")]
    assert api_for(people.outsider).get(f"/api/v1/versions/{version.pk}/observations/").status_code == 404


def test_the_plan_remembers_the_latest_window_even_when_history_arrives_late(version, integration):
    from governance.oversight.models.monitoring import MonitoringPlan

    push(integration, version, observation("auc", 0.8, days_ago=1))
    latest = MonitoringPlan.objects.get(version=version).last_observed_at
    push(
        integration,
        version,
        observation("auc", 0.8, days_ago=30),
        observation("psi_income", 0.01, days_ago=20),
    )
    assert MonitoringPlan.objects.get(version=version).last_observed_at == latest
    push(integration, version, observation("auc", 0.8, days_ago=0.5))
    assert MonitoringPlan.objects.get(version=version).last_observed_at > latest
