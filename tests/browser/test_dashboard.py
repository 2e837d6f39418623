"""End to end in headless Chromium: a compliance officer reads the governance dashboard, follows figures
to the lists behind them, looks at a version's monitoring charts and records an incident report; an owner
edits a monitoring plan. Every page at a laptop and a phone width, saved under test-artifacts/."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from governance.audit.actors import Actor
from governance.oversight.incidents.services import open_incident
from governance.oversight.models.incidents import IncidentKind
from tests.browser.test_lifecycle_flow import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    VIEWPORTS,
    screenshot_everywhere,
    server,
    sign_in,
)
from tests.governance.oversight.monitoring_support import (
    AUC,
    LATENCY,
    PSI,
    observation,
    planned_version,
    push,
)
from tests.governance.oversight.test_dashboard import estate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
__all__ = ["estate", "server"]  # fixtures used by name below


@pytest.fixture
def monitored(people, api_for, estate):
    """A deployed version with 30 days of metrics (one fairness metric per group), warnings and a breach,
    plus a serious incident due in 36 hours."""
    version = planned_version(
        people,
        stage="deployed",
        metrics=[
            dict(AUC, suspend_on_breach=False),
            PSI,
            LATENCY,
            {
                "key": "dp_ratio_sex",
                "name": "Demographic parity ratio (sex)",
                "kind": "fairness",
                "feature": "sex",
                "direction": "higher_is_better",
                "warning_threshold": 0.85,
                "breach_threshold": 0.8,
            },
        ],
        name="Card fraud detection",
    )
    client = api_for(people.owner, scope="integration")
    items = []
    for day in range(30, 0, -1):
        auc = 0.66 if day == 2 else round(0.82 - day * 0.0005, 4)  # one breach, two days ago
        items.append(observation("auc", auc, days_ago=day))
        items.append(observation("psi_income", round(0.02 + (30 - day) * 0.005, 4), days_ago=day))
        items.append(observation("latency_p95", 120 + (day % 7) * 15, days_ago=day))
        for group, base in (("sex=female", 0.9), ("sex=male", 0.97)):
            items.append(
                observation("dp_ratio_sex", round(base - (30 - day) * 0.002, 4), days_ago=day, segment=group)
            )
    assert push(client, version, *items).status_code == 201
    incident = open_incident(
        actor=Actor.for_user(people.compliance),
        asset=version.asset,
        version=version,
        kind=IncidentKind.objects.get(slug="serious-incident"),
        severity="critical",
        title="Legitimate payments blocked for a day",
        detected_at=timezone.now() - dt.timedelta(days=13, hours=11, minutes=30),
    )
    return version, incident


def test_a_compliance_officer_reads_the_dashboard_and_follows_its_figures(server, people, estate, monitored):
    from playwright.sync_api import expect, sync_playwright

    version, incident = monitored
    base = server.url
    dashboard = base + reverse("oversight:dashboard")
    ARTIFACTS.mkdir(exist_ok=True)
    console_errors: list[str] = []

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_context(viewport=VIEWPORTS["laptop"]).new_page()
            page.on("console", lambda msg: console_errors.append(msg.text) if msg.type == "error" else None)
            sign_in(page, base, people.compliance.username)

            page.get_by_role("link", name="Dashboard").click()
            expect(page.get_by_role("heading", level=1)).to_have_text("Governance dashboard")
            attention = page.locator(
                "section", has=page.get_by_role("heading", name="In production: needs attention")
            )
            incidents_figure = attention.get_by_role("link", name=re.compile(r"With active incidents"))
            expect(incidents_figure).to_contain_text("2")

            # A figure opens the list behind it, with the same number.
            incidents_figure.click()
            expect(page.get_by_role("heading", level=1)).to_have_text("With active incidents")
            expect(page.locator(".lede")).to_contain_text("2 versions.")
            expect(page.locator("table.data")).to_contain_text("Troubled OCR")
            expect(page.locator("table.data")).to_contain_text("Card fraud detection")

            page.goto(dashboard)
            page.get_by_role("link", name=re.compile(r"Missing monitoring")).click()
            expect(page.get_by_role("heading", level=1)).to_have_text("Assets missing monitoring")
            expect(page.locator("table.data")).to_contain_text("Stale churn")
            expect(page.get_by_role("link", name="Define a monitoring plan").first).to_be_visible()

            page.goto(dashboard)
            page.get_by_role("link", name=re.compile(r"By AI Act category|High risk")).first.click()
            expect(page).to_have_url(re.compile(r"/inventory/\?category="))

            # The version page charts each metric with its threshold bands.
            page.goto(base + version.get_absolute_url())
            panel = page.locator("#monitoring")
            expect(panel.get_by_role("heading", name="Monitoring")).to_be_visible()
            expect(panel.locator("svg.chart")).to_have_count(4)
            expect(panel.locator("svg.chart .chart__band-breach")).to_have_count(4)
            expect(panel.locator("svg.chart circle.chart__point--breach")).to_have_count(1)
            expect(panel.locator(".chart-legend")).to_contain_text("sex=female")

            # The incident's countdown, then its report recorded through the form.
            page.goto(base + incident.get_absolute_url())
            expect(page.locator(".countdown")).to_contain_text("due in 1 day 12 h")
            page.get_by_label("Recipient").fill("Market surveillance authority")
            page.get_by_label("Reference").fill("MSA-2026-0042")
            page.get_by_role("button", name="Record report").click()
            expect(page.locator(".messages")).to_contain_text("was recorded")
            expect(page.locator(".deadline")).to_contain_text("MSA-2026-0042")

            screenshot_everywhere(
                page,
                {
                    "dashboard": dashboard,
                    "dashboard-flag-list": base
                    + reverse("oversight:dashboard_versions")
                    + "?flag=no_recent_monitoring",
                    "dashboard-completeness": base + reverse("oversight:dashboard_assets"),
                    "monitoring-version": base + version.get_absolute_url(),
                    "monitoring-history": base + reverse("oversight:monitoring", args=[version.pk]),
                    "incidents": base + reverse("oversight:incidents"),
                    "incident": base + incident.get_absolute_url(),
                    "incident-kinds": base + reverse("oversight:incident_kinds"),
                },
            )

            # An owner edits the plan of a version that is not approved yet.
            owner = browser.new_context(viewport=VIEWPORTS["laptop"]).new_page()
            owner.on("console", lambda msg: console_errors.append(msg.text) if msg.type == "error" else None)
            sign_in(owner, base, people.owner.username)
            draft = estate["registered"]
            owner.goto(base + draft.get_absolute_url())
            owner.get_by_role("link", name="Define a plan").click()
            owner.locator("#id_metrics-0-key").fill("auc")
            owner.locator("#id_metrics-0-kind").select_option("performance")
            owner.locator("#id_metrics-0-direction").select_option("higher_is_better")
            owner.locator("#id_metrics-0-warning_threshold").fill("0.75")
            owner.locator("#id_metrics-0-breach_threshold").fill("0.7")
            owner.get_by_role("button", name="Save plan").click()
            expect(owner.locator(".messages")).to_contain_text("was saved")
            expect(owner.locator("#monitoring")).to_contain_text("Plan revision 1")
            screenshot_everywhere(
                owner, {"monitoring-plan-form": base + reverse("oversight:monitoring_plan", args=[draft.pk])}
            )
        finally:
            browser.close()
    assert console_errors == []
