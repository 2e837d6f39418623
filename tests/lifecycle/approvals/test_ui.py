"""The approvals UI: the decide form signs with the password; separation of duties and bad input are
refused with the reason and nothing written; the inbox, the approvals, waivers and policies pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from governance.audit.models import AuditEvent
from lifecycle.approvals.queries import open_request
from lifecycle.models import ApprovalPolicy, Decision, Waiver
from tests.conftest import PASSWORD


def decide_form(client, request, **fields):
    data = {"meaning": "approve", "comment": "", "digest_seen": request.digest, "password": PASSWORD} | fields
    return client.post(f"/lifecycle/approvals/{request.pk}/", data)


def written():
    return AuditEvent.objects.count(), Decision.objects.count()


def test_an_approver_signs_on_the_version_page(people, web_for, validated):
    request = open_request(validated)
    client = web_for(people.approver)
    page = client.get(validated.get_absolute_url())
    body = page.content.decode()
    assert page.status_code == 200 and "Sign decision" in body and request.digest in body
    assert "No open high-severity findings" in body  # the checklist with each rule
    response = decide_form(client, request, comment="Fine.")
    assert response.status_code == 302 and response["Location"] == validated.get_absolute_url()
    decision = Decision.objects.get(request=request)
    assert (decision.approver, decision.signature_method, decision.comment) == (
        people.approver,
        "password",
        "Fine.",
    )


@pytest.mark.parametrize("who", ["owner", "team_approver", "validator"])
def test_separation_of_duties_through_the_ui(people, web_for, validated, who):
    from governance.accounts import services as accounts
    from tests.conftest import SYSTEM

    user = getattr(people, who)
    accounts.grant_role(actor=SYSTEM, user=user, role="approver")
    client = web_for(user)
    request = open_request(validated)
    page = client.get(f"/lifecycle/approvals/{request.pk}/").content.decode()
    assert "Sign decision" not in page and "You cannot decide" in page
    before = written()
    response = decide_form(client, request)
    assert response.status_code == 403
    assert "cannot decide" in response.content.decode()
    assert written() == before


def test_wrong_password_and_missing_comment_show_the_reason(people, web_for, validated):
    client = web_for(people.approver)
    request = open_request(validated)
    before = written()
    wrong = decide_form(client, request, password="guess")
    assert wrong.status_code == 403 and "The password is incorrect." in wrong.content.decode()
    missing = decide_form(client, request, meaning="reject")
    assert missing.status_code == 400 and "needs a comment" in missing.content.decode()
    kept = decide_form(client, request, meaning="send_back", comment="", password="")
    assert kept.status_code == 400  # the form itself requires the password
    assert written() == before


def test_the_inbox_counts_and_lists_what_waits(people, web_for, validated, django_assert_max_num_queries):
    client = web_for(people.approver)
    with django_assert_max_num_queries(40):
        page = client.get("/lifecycle/inbox/")
    body = page.content.decode()
    assert page.status_code == 200 and f"/lifecycle/approvals/{open_request(validated).pk}/" in body
    assert 'class="nav-count"' in body
    owner_page = web_for(people.owner).get("/lifecycle/inbox/").content.decode()
    assert f"/lifecycle/approvals/{open_request(validated).pk}/" not in owner_page


def test_pages_render_with_bounded_queries(people, web_for, validated, django_assert_max_num_queries):
    client = web_for(people.compliance)
    for url in ("/lifecycle/approvals/", "/lifecycle/approvals/?status=open&purpose=approval",
                "/lifecycle/waivers/", "/lifecycle/policies/", "/lifecycle/policies/high-risk/",
                f"/lifecycle/approvals/{open_request(validated).pk}/", "/oversight/findings/"):  # fmt: skip
        with django_assert_max_num_queries(60):
            response = client.get(url)
        assert response.status_code == 200, url
    assert (
        web_for(people.outsider).get(f"/lifecycle/approvals/{open_request(validated).pk}/").status_code == 404
    )


def test_waiver_form_refuses_bad_input_and_grants(people, web_for, validated):
    client = web_for(people.approver)
    url = f"/lifecycle/waivers/new/version/{validated.pk}/"
    assert client.get(url).status_code == 200
    bad = client.post(url, {"gate": "bias_review", "justification": "", "expires_at": ""})
    assert bad.status_code == 400 and not Waiver.objects.exists()
    past = client.post(url, {"gate": "bias_review", "justification": "x", "expires_at": "2020-01-01T00:00"})
    assert past.status_code == 400 and "future" in past.content.decode()
    expires = (timezone.now() + dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    ok = client.post(url, {"gate": "bias_review", "justification": "Manual check.", "expires_at": expires})
    assert ok.status_code == 302 and Waiver.objects.count() == 1
    assert web_for(people.owner).get(url).status_code == 403


def test_admins_edit_policies_as_new_versions(people, web_for, validated):
    assert web_for(people.approver).get("/lifecycle/policies/high-risk/edit/").status_code == 403
    client = web_for(people.admin)
    form = client.get("/lifecycle/policies/high-risk/edit/")
    assert form.status_code == 200
    initial = form.context["form"].initial
    data = {k: v for k, v in initial.items() if v is not None and not isinstance(v, list | dict)}
    data |= {"approval_gates": initial["approval_gates"], "review_gates": initial["review_gates"],
             "review_interval_months": 6, "note": "Half-yearly reviews.", "is_active": "on"}  # fmt: skip
    data.pop("key", None)
    response = client.post("/lifecycle/policies/high-risk/edit/", data)
    assert response.status_code == 302, response.context["form"].errors
    current = ApprovalPolicy.objects.get(key="high-risk", is_current=True)
    assert (current.version, current.review_interval_months, current.change_note) == (
        2,
        6,
        "Half-yearly reviews.",
    )
    bad = client.post("/lifecycle/policies/high-risk/edit/", data | {"approval_quorum": 0})
    assert bad.status_code == 400


def test_an_overdue_review_is_flagged_in_the_inbox_inventory_and_version_page(people, web_for, validated):
    import time_machine

    from tests.factories import walk_version_to

    walk_version_to(validated, "deployed", people)
    validated.refresh_from_db()
    with time_machine.travel(validated.next_review_at + dt.timedelta(days=1)):
        client = web_for(people.approver)
        assert "Review overdue" in client.get("/inventory/").content.decode()
        assert "Periodic review overdue" in client.get(validated.get_absolute_url()).content.decode()
        inbox = client.get("/lifecycle/inbox/").content.decode()
        assert validated.get_absolute_url() in inbox
