"""End to end in headless Chromium: an approver signs in, finds the validated version in the inbox,
approves it with a comment and their password, and sees the stage change; the approvals pages are
screenshotted at a laptop and a phone width and must not overflow sideways.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from lifecycle.approvals.queries import open_request
from lifecycle.models import Decision
from tests.browser.test_lifecycle_flow import (  # noqa: F401  (the live-server fixture)
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    VIEWPORTS,
    screenshot_everywhere,
    server,
    sign_in,
)
from tests.conftest import PASSWORD
from tests.factories import activate, make_asset, make_version, walk_version_to

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def waiting(people):
    """A minimal-risk model (one approver suffices) validated and waiting for approval."""
    asset = make_asset(people.owner, people.retail, slug="churn-model", name="Customer churn",
                       ai_act_category="minimal", materiality_tier=3)  # fmt: skip
    activate(asset, people.approver)
    version = walk_version_to(make_version(asset, label="3.0"), "validated", people)
    return version, open_request(version)


def test_an_approver_approves_from_the_inbox_with_a_signature(server, people, waiting):  # noqa: F811
    from playwright.sync_api import expect, sync_playwright

    version, request = waiting
    base = server.url
    ARTIFACTS.mkdir(exist_ok=True)
    console_errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_context(viewport=VIEWPORTS["laptop"]).new_page()
            page.on("console", lambda msg: console_errors.append(msg.text) if msg.type == "error" else None)
            sign_in(page, base, people.approver.username)
            expect(page.locator(".site-nav a", has_text="Inbox").locator(".nav-count")).to_contain_text("1")
            page.get_by_role("link", name="Inbox").click()
            expect(page.get_by_role("heading", level=1)).to_have_text("Waiting for you")
            page.get_by_role("link", name="Customer churn 3.0").click()
            expect(page.get_by_role("heading", name="Your decision")).to_be_visible()
            expect(page.locator(".checklist")).to_contain_text("Quorum")
            screenshot_everywhere(page, {"approval-request": page.url})
            page.set_viewport_size(VIEWPORTS["laptop"])
            page.goto(base + reverse("lifecycle:request", args=[request.pk]))
            page.get_by_label("Approve", exact=True).check()
            page.get_by_label("Comment").fill("Back-test and card reviewed; fine for production.")
            page.get_by_label("Your password (electronic signature)").fill(PASSWORD)
            page.get_by_role("button", name="Sign decision").click()
            expect(page.locator("h1 .badge")).to_have_text("Approved")
            expect(page.locator(".messages")).to_contain_text("Your decision was signed")
            expect(page.locator("#approval")).to_contain_text("Back-test and card reviewed")
            screenshot_everywhere(
                page,
                {
                    "inbox": base + reverse("lifecycle:inbox"),
                    "approvals": base + reverse("lifecycle:approvals"),
                    "approved-version": base + version.get_absolute_url(),
                    "policies": base + reverse("lifecycle:policies"),
                    "policy": base + reverse("lifecycle:policy", args=["minimal-risk"]),
                    "findings": base + reverse("oversight:findings"),
                    "waivers": base + reverse("lifecycle:waivers"),
                },
            )
        finally:
            browser.close()
    assert not console_errors, console_errors
    decision = Decision.objects.get(request=request)
    assert (decision.approver, decision.signature_method) == (people.approver, "password")
    assert decision.comment == "Back-test and card reviewed; fine for production."
