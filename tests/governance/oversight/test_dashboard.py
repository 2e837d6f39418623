"""The governance dashboard: counts against seeded data, each figure's list agreeing with it, visibility,
completeness with links to fix what is missing, and a fixed number of queries."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from governance.audit.actors import Actor
from governance.oversight import findings as finding_services
from governance.oversight.incidents.services import open_incident
from governance.oversight.models.incidents import IncidentKind
from lifecycle.approvals.waivers import grant_waiver
from lifecycle.completeness import least_complete
from lifecycle.dashboard import dashboard_for, flagged_versions
from lifecycle.gates import Gate
from lifecycle.models import ApprovalRequest
from tests.factories import make_asset, make_evidence, make_version, walk_version_to
from tests.governance.oversight.monitoring_support import AUC, observation, planned_version, push


@pytest.fixture
def estate(people, api_for):
    """Six assets: three deployed versions with different troubles, one registered, one proposed, one
    in another team."""
    healthy = planned_version(
        people,
        stage="deployed",
        metrics=[dict(AUC, suspend_on_breach=False)],
        name="Healthy PD",
        ai_act_category="high",
        materiality_tier=1,
    )
    push(api_for(people.owner, scope="integration"), healthy, observation("auc", 0.8, days_ago=1))

    stale = make_version(
        make_asset(
            people.owner, people.retail, name="Stale churn", ai_act_category="limited", materiality_tier=2
        )
    )
    make_evidence(stale)
    walk_version_to(stale, "deployed", people)
    stale.__class__.objects.filter(pk=stale.pk).update(next_review_at=timezone.now() - dt.timedelta(days=3))

    troubled = planned_version(
        people, stage="deployed", name="Troubled OCR", ai_act_category="minimal", materiality_tier=3
    )
    finding_services.raise_finding(
        actor=Actor.for_user(people.validator),
        asset=troubled.asset,
        version=troubled,
        title="OCR misreads Polish IDs",
        severity="high",
    )
    open_incident(
        actor=Actor.for_user(people.owner),
        asset=troubled.asset,
        version=troubled,
        kind=IncidentKind.objects.get(slug="serious-incident"),
        severity="high",
        title="Wrong identities",
    )
    # Legacy data: a deployed version whose approval record is not (or no longer) an approved request.
    ApprovalRequest.objects.filter(version=troubled).update(status="withdrawn")
    grant_waiver(
        actor=Actor.for_user(people.approver),
        gate=Gate.NO_OPEN_HIGH_FINDINGS,
        asset=troubled.asset,
        version=troubled,
        justification="Vendor fix due next week.",
        expires_at=timezone.now() + dt.timedelta(days=2),
    )

    registered = make_version(
        make_asset(
            people.owner, people.retail, name="Draft scorecard", ai_act_category="high", materiality_tier=2
        )
    )
    proposed = make_asset(
        people.owner2, people.retail, name="Proposed assistant", ai_act_category="limited", materiality_tier=3
    )
    other = make_version(
        make_asset(
            people.outsider,
            people.marketing,
            name="Propensity",
            ai_act_category="minimal",
            materiality_tier=3,
        )
    )
    return {
        "healthy": healthy,
        "stale": stale,
        "troubled": troubled,
        "registered": registered,
        "proposed": proposed,
        "other": other,
    }


def _counts(figures):
    return {f.key: f.count for f in figures}


def test_counts_match_the_seeded_estate(people, estate):
    later = timezone.now() + dt.timedelta(days=5)  # the waiver has expired by then
    data = dashboard_for(people.compliance, now=later)
    assert data.assets_total == 6
    # Assets become active when a version is first deployed; the others are still proposals.
    assert _counts(data.asset_stages) == {"proposed": 3, "active": 3, "retired": 0, "rejected": 0}
    assert _counts(data.categories) == {"minimal": 2, "limited": 2, "high": 2}
    assert _counts(data.tiers) == {"1": 1, "2": 2, "3": 3}
    assert _counts(data.teams) == {"retail-credit": 5, "marketing": 1}
    assert _counts(data.version_stages)["deployed"] == 3 and _counts(data.version_stages)["registered"] == 2
    assert data.deployed == 3
    flags = _counts(data.flags)
    assert flags == {
        "no_current_approval": 1,
        "expired_waiver": 1,
        "review_overdue": 1,
        "open_high_findings": 1,
        "active_incidents": 1,
        # Healthy's last window ended a day before "now", six days before `later`: still recent.
        "no_recent_monitoring": 2,
    }
    assert _counts(data.incidents) == {"active": 1, "overdue": 0, "pending": 1}


def test_each_flag_list_holds_exactly_the_counted_versions(people, estate):
    now = timezone.now() + dt.timedelta(days=5)
    expected = {
        "no_current_approval": {estate["troubled"]},
        "expired_waiver": {estate["troubled"]},
        "review_overdue": {estate["stale"]},
        "open_high_findings": {estate["troubled"]},
        "active_incidents": {estate["troubled"]},
        "no_recent_monitoring": {estate["stale"], estate["troubled"]},
    }
    for flag, versions in expected.items():
        assert set(flagged_versions(people.compliance, flag, now)) == versions, flag


def test_figures_link_to_lists_with_the_same_count(people, estate, web_for):
    web = web_for(people.compliance)
    page = web.get("/oversight/dashboard/").content.decode()
    assert "Governance dashboard" in page
    links = dict(
        re.findall(
            r'<a href="(/oversight/dashboard/versions/\?flag=[a-z_]+)"[^>]*>\s*<span class="stat__value">(\d+)',
            page,
        )
    )
    assert len(links) == 6
    for url, count in links.items():
        listed = web.get(url.replace("&amp;", "&"))
        assert listed.status_code == 200
        assert f"{count} version{'s' if count != '1' else ''}." in listed.content.decode(), url
    inventory = re.search(
        r'<a href="(/inventory/\?category=high)"[^>]*>\s*<span class="stat__value">(\d+)', page
    )
    assert inventory and inventory.group(2) == "2"
    assert "2 assets" in web.get(inventory.group(1)).content.decode()


def test_completeness_lists_what_is_missing_with_links_to_fix_it(people, estate):
    items, total = least_complete(people.compliance, limit=50)
    assert total == 6
    by_asset = {i.asset_id: i for i in items}
    healthy = by_asset[estate["healthy"].asset_id]
    assert healthy.present == {"documents": True, "reviews": True, "evidence": False, "monitoring": True}
    assert healthy.score == 75
    stale = by_asset[estate["stale"].asset_id]
    assert stale.present == {"documents": True, "reviews": True, "evidence": True, "monitoring": False}
    proposed = by_asset[estate["proposed"].pk]
    assert proposed.version_id is None and proposed.score == 0
    registered = by_asset[estate["registered"].asset_id]
    assert registered.missing == ["documents", "reviews", "evidence", "monitoring"]
    assert [i.score for i in items] == sorted(i.score for i in items)
    only_missing_monitoring, count = least_complete(people.compliance, missing="monitoring")
    assert {i.asset_id for i in only_missing_monitoring} >= {
        estate["stale"].asset_id,
        estate["registered"].asset_id,
    }
    assert count == len(only_missing_monitoring)


def test_the_completeness_page_links_to_the_fix(people, estate, web_for):
    page = web_for(people.compliance).get("/oversight/dashboard/assets/?missing=monitoring").content.decode()
    stale = estate["stale"]
    assert f'href="/oversight/monitoring/versions/{stale.pk}/plan/"' in page
    assert "Define a monitoring plan" in page
    assert f'href="/inventory/assets/{estate["proposed"].slug}/versions/new/"' in page


def test_approvers_see_only_what_they_may_see_and_owners_do_not_get_the_page(people, estate, web_for):
    compliance = dashboard_for(people.compliance)
    approver = dashboard_for(people.approver3)  # outside the quorum that approved the estate
    assert approver.assets_total < compliance.assets_total
    assert web_for(people.owner).get("/oversight/dashboard/").status_code == 403
    assert web_for(people.approver3).get("/oversight/dashboard/versions/?flag=no_such").status_code == 404


def _dashboard_queries(client):
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/oversight/dashboard/").status_code == 200
    return len(captured)


def test_a_fixed_number_of_queries(people, estate, web_for, django_assert_max_num_queries):
    web = web_for(people.compliance)
    _dashboard_queries(web)
    before = _dashboard_queries(web)
    for i in range(3):
        more = planned_version(people, stage="registered", name=f"More {i}")
        make_asset(people.owner, people.retail)
        assert more.pk
    assert _dashboard_queries(web) == before
    with django_assert_max_num_queries(25):
        web.get("/oversight/dashboard/")
    with django_assert_max_num_queries(25):
        web.get("/oversight/dashboard/versions/?stage=deployed")
    with django_assert_max_num_queries(25):
        web.get("/oversight/dashboard/assets/")
