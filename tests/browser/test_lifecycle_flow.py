"""End to end in headless Chromium: sign in as an owner, open a version, submit it for validation, see
the stage badge change; then the key pages at a laptop and a phone width, saved as screenshots.

Data is made through the services before Playwright starts: Playwright's sync API runs an event loop
in this thread, and Django refuses ORM calls from a thread with a running loop.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse

from governance.audit.actors import Actor
from governance.inventory.models import AssetVersion
from lifecycle.transitions import transition
from tests.conftest import PASSWORD
from tests.factories import make_asset, make_version, walk_version_to

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
VIEWPORTS = {"laptop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


@pytest.fixture
def server(transactional_db, settings):
    """A live Steward on localhost, started for this test.

    Django's live server wraps every request in its media-files handler, which needs MEDIA_URL to be a
    path prefix; Steward leaves MEDIA_URL unset (None) because uploads are never served directly.
    """
    from pytest_django.live_server_helper import LiveServer

    settings.MEDIA_URL = "/media-is-never-served/"
    live = LiveServer("localhost")
    yield live
    live.stop()


@pytest.fixture
def scenario(people):
    """An owner's version, registered, whose submission gates are met (the factories satisfy whatever
    later features require on the way to "submitted"; withdrawing keeps that), plus some history."""
    asset = make_asset(
        people.owner,
        people.retail,
        slug="credit-default-pd",
        name="Credit default PD model",
        purpose="Probability of default for unsecured personal loan applications.",
        vendor="",
        tags=["retail", "lending"],
    )
    version = make_version(
        asset,
        label="2.1.0",
        source_registry="mlflow",
        registry_ref="models:/credit-default-pd/7",
        artifact_digest="9f" * 32,
        code_commit="4f2a9c1e",
        training_data_refs=["s3://bank-lake/loans/2026q1/"],
        hyperparameters={"max_depth": 6, "learning_rate": 0.05},
        metrics={"auc": 0.812, "ks": 0.41},
    )
    walk_version_to(version, "submitted", people)
    transition(version, "registered", actor=Actor.for_user(people.owner))
    older = make_version(asset, label="2.0.0")
    walk_version_to(older, "in_validation", people)
    make_asset(
        people.owner,
        people.retail,
        name="Transaction features",
        kind="dataset",
        ai_act_category="minimal",
        materiality_tier=3,
    )
    return asset, version


# The outermost elements sticking out past the right edge of the viewport, to say what overflows.
WIDEST = """
(() => {
  // Clipped by a scrolling ancestor, unless positioned out of it (absolute boxes escape a static scroller).
  const clipped = e => { if (getComputedStyle(e).position === "absolute") return false;
    for (let a = e.parentElement; a; a = a.parentElement) {
      if (getComputedStyle(a).overflowX !== "visible") return true; } return false; };
  const out = e => e.getBoundingClientRect().right > window.innerWidth + 1;
  return [...document.querySelectorAll("body *")]
    .filter(e => out(e) && !clipped(e) && !out(e.parentElement))
    .slice(0, 5)
    .map(e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + "." + [...e.classList].join(".")
              + " " + Math.round(e.getBoundingClientRect().right) + "px");
})()
"""


def sign_in(page, base: str, username: str) -> None:
    from playwright.sync_api import expect

    page.goto(base + reverse("login"))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")


def screenshot_everywhere(page, pages: dict[str, str]) -> None:
    """Each page at a laptop and a phone width, saved for people to look at; none may overflow sideways."""
    for viewport_name, size in VIEWPORTS.items():
        page.set_viewport_size(size)
        for name, url in pages.items():
            page.goto(url)
            page.screenshot(path=ARTIFACTS / f"{name}-{viewport_name}.png", full_page=True)
            # Wide tables scroll inside their own box; the page itself never scrolls sideways.
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, (
                f"{name} overflows a {viewport_name} by {overflow}px: {page.evaluate(WIDEST)}"
            )


def test_an_owner_submits_a_version_and_sees_its_stage_change(server, people, scenario):
    from playwright.sync_api import expect, sync_playwright

    asset, version = scenario
    base = server.url
    version_url = base + version.get_absolute_url()
    key_pages = {
        "home": base + reverse("web:home"),
        "inventory": base + reverse("inventory:list"),
        "asset": base + asset.get_absolute_url(),
        "version": version_url,
        "audit": base + reverse("audit:events"),
        "tokens": base + reverse("accounts:tokens"),
    }
    ARTIFACTS.mkdir(exist_ok=True)
    console_errors: list[str] = []

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport=VIEWPORTS["laptop"])
            page = context.new_page()
            page.on("console", lambda msg: console_errors.append(msg.text) if msg.type == "error" else None)

            page.goto(base + reverse("login"))
            page.screenshot(path=ARTIFACTS / "login-laptop.png", full_page=True)
            sign_in(page, base, people.owner.username)

            page.goto(version_url)
            expect(page.locator("h1 .badge")).to_have_text("Registered")
            page.get_by_role("button", name="Submit for validation").click()
            expect(page.locator("h1 .badge")).to_have_text("Submitted")
            expect(page.locator(".messages")).to_contain_text("is now Submitted")
            expect(page.locator(".timeline li").last).to_contain_text("Submitted")
            # The owner's moves from "submitted": withdraw is offered, submitting again is not.
            expect(page.get_by_role("button", name="Withdraw submission")).to_be_visible()
            expect(page.get_by_role("button", name="Submit for validation")).to_have_count(0)

            # Point in time, answered in place by htmx.
            page.get_by_label("Date and time (UTC)").fill("2001-01-01T00:00:00")
            page.get_by_role("button", name="Look up").click()
            expect(page.locator("#stage-at-answer")).to_contain_text("not registered yet")

            # The inventory filter updates the results in place and keeps the URL shareable.
            page.goto(key_pages["inventory"])
            page.get_by_label("Kind").select_option("dataset")
            expect(page.locator("#results")).to_contain_text("Transaction features")
            expect(page.locator("#results")).not_to_contain_text("Credit default PD model")
            expect(page).to_have_url(re.compile(r"kind=dataset"))

            # Sorting happens on the server; the header link swaps the results in place too.
            page.get_by_role("link", name=re.compile(r"^Asset")).click()
            expect(page).to_have_url(re.compile(r"sort=-name"))
            expect(page.locator("th[aria-sort=descending]")).to_contain_text("Asset")

            screenshot_everywhere(page, key_pages)

            # An administrator verifies the chain from the audit-trail page and manages people.
            admin = browser.new_context(viewport=VIEWPORTS["laptop"]).new_page()
            admin.on("console", lambda msg: console_errors.append(msg.text) if msg.type == "error" else None)
            sign_in(admin, base, people.admin.username)
            admin.goto(key_pages["audit"])
            admin.get_by_role("button", name="Verify now").click()
            expect(admin.locator(".verification .badge")).to_have_text("Intact")
            screenshot_everywhere(
                admin,
                {
                    "audit-verified": key_pages["audit"],
                    "people": base + reverse("accounts:people"),
                    "person": base + reverse("accounts:person", args=[people.owner.username]),
                    "team": base + reverse("accounts:team", args=[people.retail.slug]),
                },
            )
        finally:
            browser.close()

    assert not [e for e in console_errors if "Content Security Policy" in e], console_errors
    version = AssetVersion.objects.get(pk=version.pk)
    assert version.stage == "submitted"
