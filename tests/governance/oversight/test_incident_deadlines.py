"""Incident kinds and deadlines with frozen time: EU AI Act Art. 73 defaults, countdown, reclassification,
overdue flags, and reminders sent by email as the deadline nears (once each)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail

from governance.audit.actors import Actor
from governance.audit.models import AuditEvent
from governance.oversight.incidents import reminders, services
from governance.oversight.incidents.deadlines import countdown, reminder_due
from governance.oversight.models.incidents import Incident, IncidentKind, IncidentReminder
from tests.factories import make_asset, make_version

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def test_countdown_reads_like_a_person_would_say_it():
    assert countdown(T0 + dt.timedelta(days=2, hours=3), T0).text == "due in 2 days 3 h"
    assert countdown(T0 + dt.timedelta(days=1), T0).text == "due in 1 day"
    assert countdown(T0 + dt.timedelta(hours=5, minutes=20), T0).text == "due in 5 h 20 min"
    assert countdown(T0 + dt.timedelta(minutes=7), T0).text == "due in 7 min"
    late = countdown(T0 - dt.timedelta(hours=5), T0)
    assert late.overdue and late.text == "overdue by 5 h"


@pytest.mark.parametrize(
    ("hours_left", "expected"),
    [(100, None), (72, 72), (50, 72), (24, 24), (20, 24), (0.5, 24), (0, 0), (-3, 0)],
)
def test_the_reminder_due_is_the_tightest_threshold_reached(hours_left, expected):
    assert reminder_due(T0 + dt.timedelta(hours=hours_left), T0, [72, 24, 0]) == expected


@pytest.fixture
def version(people):
    return make_version(make_asset(people.owner, people.retail))


def _open(people, version, kind_slug, **extra):
    return services.open_incident(
        actor=Actor.for_user(people.owner),
        asset=version.asset,
        version=version,
        kind=IncidentKind.objects.get(slug=kind_slug),
        severity="critical",
        title="Applicants refused after a feed outage",
        **extra,
    )


def test_the_art_73_defaults_are_seeded(db):
    kinds = {k.slug: (k.reportable, k.report_within_days) for k in IncidentKind.objects.all()}
    assert kinds["serious-incident"] == (True, 15)
    assert kinds["death"] == (True, 10)
    assert kinds["widespread-infringement"] == (True, 2)
    assert kinds["critical-infrastructure"] == (True, 2)
    assert kinds["monitoring-breach"] == (False, None)


@pytest.mark.parametrize(
    ("kind", "days"),
    [("serious-incident", 15), ("death", 10), ("widespread-infringement", 2), ("critical-infrastructure", 2)],
)
def test_deadlines_count_from_detection(people, version, kind, days):
    with time_machine.travel(T0, tick=False):
        incident = _open(people, version, kind)
    assert incident.report_due_at == T0 + dt.timedelta(days=days)
    event = AuditEvent.objects.filter(action="incident.opened", object_id=str(incident.pk)).get()
    assert event.payload["new"]["report_due_at"] == (T0 + dt.timedelta(days=days)).strftime(
        "%Y-%m-%dT%H:%M:%S.%fZ"
    )


def test_a_detection_in_the_past_shortens_the_time_left(people, version):
    with time_machine.travel(T0, tick=False):
        incident = _open(people, version, "death", detected_at=T0 - dt.timedelta(days=4))
        assert countdown(incident.report_due_at, T0).text == "due in 6 days"


def test_a_non_reportable_kind_has_no_deadline_until_reclassified(people, version):
    with time_machine.travel(T0, tick=False):
        incident = _open(people, version, "monitoring-breach")
    assert incident.report_due_at is None and not incident.is_overdue(T0 + dt.timedelta(days=400))
    with time_machine.travel(T0 + dt.timedelta(days=3), tick=False):
        services.update_incident(
            actor=Actor.for_user(people.compliance),
            incident=incident,
            kind=IncidentKind.objects.get(slug="serious-incident"),
        )
    incident.refresh_from_db()
    # Art. 73: from awareness, not from the reclassification.
    assert incident.report_due_at == T0 + dt.timedelta(days=15)


def test_overdue_once_the_deadline_passes_unreported(people, version, api_for):
    with time_machine.travel(T0, tick=False):
        incident = _open(people, version, "widespread-infringement")
    client = api_for(people.compliance)
    with time_machine.travel(T0 + dt.timedelta(days=1, hours=23), tick=False):
        body = client.get(f"/api/v1/incidents/{incident.pk}/").json()
        assert body["overdue"] is False and body["countdown"]["text"] == "due in 1 h"
        assert client.get("/api/v1/incidents/?overdue=true").json()["count"] == 0
    with time_machine.travel(T0 + dt.timedelta(days=2, hours=5), tick=False):
        body = client.get(f"/api/v1/incidents/{incident.pk}/").json()
        assert body["overdue"] is True and body["countdown"]["text"] == "overdue by 5 h"
        assert [i["id"] for i in client.get("/api/v1/incidents/?overdue=true").json()["results"]] == [
            incident.pk
        ]
        assert Incident.objects.overdue().count() == 1


def test_a_report_sent_stops_the_clock_and_is_audited(people, version, api_for):
    with time_machine.travel(T0, tick=False):
        incident = _open(people, version, "serious-incident")
    client = api_for(people.compliance)
    with time_machine.travel(T0 + dt.timedelta(days=16), tick=False):
        response = client.post(
            f"/api/v1/incidents/{incident.pk}/report/",
            {
                "sent_at": (T0 + dt.timedelta(days=16)).isoformat(),
                "recipient": "Market surveillance authority",
                "reference": "MSA-42",
            },
            format="json",
        )
        assert response.status_code == 200, response.json()
        assert response.json()["overdue"] is False and response.json()["countdown"] is None
        again = client.post(
            f"/api/v1/incidents/{incident.pk}/report/",
            {"sent_at": T0.isoformat(), "recipient": "Someone"},
            format="json",
        )
        assert again.status_code == 409
    event = AuditEvent.objects.get(action="incident.report_sent", object_id=str(incident.pk))
    assert event.payload["late"] is True and event.payload["reference"] == "MSA-42"


def test_reminders_go_out_once_per_threshold_as_the_deadline_nears(
    people, version, django_capture_on_commit_callbacks, settings
):
    settings.STEWARD_INCIDENT_REMINDER_HOURS = [72, 24, 0]
    with time_machine.travel(T0, tick=False):
        incident = _open(people, version, "serious-incident")  # due T0 + 15 days
    due = incident.report_due_at

    def sweep(at):
        with time_machine.travel(at, tick=False), django_capture_on_commit_callbacks(execute=True):
            return reminders.schedule_deadline_reminders()

    assert sweep(due - dt.timedelta(hours=80)) == []
    assert len(sweep(due - dt.timedelta(hours=70))) == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert incident.reference in message.subject and "due in 2 days 22 h" in message.subject
    assert set(message.to) == {people.owner.email, people.compliance.email}
    assert f"/oversight/incidents/{incident.pk}/" in message.body
    assert sweep(due - dt.timedelta(hours=60)) == []  # the 72-hour reminder is not sent twice
    assert len(sweep(due - dt.timedelta(hours=20))) == 1
    assert len(sweep(due + dt.timedelta(hours=1))) == 1
    assert "overdue by 1 h" in mail.outbox[-1].subject
    assert sweep(due + dt.timedelta(hours=30)) == []
    assert len(mail.outbox) == 3
    assert list(IncidentReminder.objects.order_by("hours_before").values_list("hours_before", flat=True)) == [
        0,
        24,
        72,
    ]


def test_no_reminder_once_reported(people, version, django_capture_on_commit_callbacks):
    with time_machine.travel(T0, tick=False):
        incident = _open(people, version, "critical-infrastructure")
        services.record_report_sent(
            actor=Actor.for_user(people.compliance), incident=incident, sent_at=T0, recipient="CSIRT"
        )
    with (
        time_machine.travel(T0 + dt.timedelta(days=3), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert reminders.schedule_deadline_reminders() == []
    assert mail.outbox == []


def test_a_reminder_task_delivered_twice_sends_one_email(people, version, django_capture_on_commit_callbacks):
    with time_machine.travel(T0, tick=False):
        _open(people, version, "critical-infrastructure")
    with time_machine.travel(T0 + dt.timedelta(hours=30), tick=False):
        with django_capture_on_commit_callbacks(execute=False):
            [reminder_id] = reminders.schedule_deadline_reminders()
        assert reminders.send_reminder(reminder_id) is True
        assert reminders.send_reminder(reminder_id) is False
    assert len(mail.outbox) == 1
    assert IncidentReminder.objects.get(pk=reminder_id).recipients


def test_editing_a_kind_moves_no_running_deadline(people, version, api_for):
    with time_machine.travel(T0, tick=False):
        before = _open(people, version, "serious-incident")
    admin = api_for(people.admin)
    response = admin.patch(
        "/api/v1/incident-kinds/serious-incident/", {"report_within_days": 12}, format="json"
    )
    assert response.status_code == 200 and response.json()["report_within_days"] == 12
    before.refresh_from_db()
    assert before.report_due_at == T0 + dt.timedelta(days=15)
    with time_machine.travel(T0, tick=False):
        after = _open(people, version, "serious-incident")
    assert after.report_due_at == T0 + dt.timedelta(days=12)
    event = AuditEvent.objects.get(action="incident.kind_updated")
    assert (
        event.payload["old"]["report_within_days"] == 15 and event.payload["new"]["report_within_days"] == 12
    )
    refused = api_for(people.compliance).patch(
        "/api/v1/incident-kinds/serious-incident/", {"report_within_days": 30}, format="json"
    )
    assert refused.status_code == 403


def test_a_reportable_kind_needs_days(people, api_for):
    admin = api_for(people.admin)
    response = admin.post(
        "/api/v1/incident-kinds/",
        {"slug": "data-breach", "name": "Personal data breach", "reportable": True},
        format="json",
    )
    assert response.status_code == 400 and "report_within_days" in response.json()["errors"]
    assert not IncidentKind.objects.filter(slug="data-breach").exists()
    created = admin.post(
        "/api/v1/incident-kinds/",
        {
            "slug": "data-breach",
            "name": "Personal data breach",
            "reportable": True,
            "report_within_days": 3,
            "legal_basis": "GDPR Art. 33",
        },
        format="json",
    )
    assert created.status_code == 201
