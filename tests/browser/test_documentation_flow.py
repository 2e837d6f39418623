"""In headless Chromium: an owner edits a model card section by section, sees the document become
complete, marks it final and compares two revisions; a validator reads a bias review's table and chart.
Each page at a laptop and a phone width, without sideways overflow."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from governance.audit.actors import Actor
from governance.bias_reviews import predictions, services
from governance.model_cards import services as documents
from tests.browser.test_lifecycle_flow import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    VIEWPORTS,
    screenshot_everywhere,
    sign_in,
)
from tests.factories import (
    ensure_templates,
    filled_content,
    make_asset,
    make_evidence,
    make_version,
    walk_version_to,
)
from tests.governance.bias_reviews.test_fairness import as_csv, generated

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def server(transactional_db, settings):
    from pytest_django.live_server_helper import LiveServer

    settings.MEDIA_URL = "/media-is-never-served/"
    live = LiveServer("localhost")
    yield live
    live.stop()


@pytest.fixture
def scenario(people, django_capture_on_commit_callbacks):
    asset = make_asset(people.owner, people.retail, name="Credit default PD model", slug="pd-model")
    version = make_version(asset, label="2.1.0", metrics={"auc": 0.81})
    owner = Actor.for_user(people.owner)
    ensure_templates()  # an earlier transactional test's flush removed what the migration installed
    card = documents.create_document(actor=owner, asset=asset, version=version, kind="model_card")
    content = filled_content(card)
    content.pop("factors")
    documents.save_revision(actor=owner, document=card, content=content, summary="First draft")
    make_evidence(version)
    reviewed = walk_version_to(make_version(asset, label="2.0.0"), "in_validation", people)
    validator = Actor.for_user(people.validator)
    review = services.create_bias_review(
        actor=validator,
        version=reviewed,
        protected_attributes=["sex", "age_band"],
        evaluation_data="Hold-out sample, 2025 Q4.",
    )
    with django_capture_on_commit_callbacks(execute=True):
        predictions.upload_predictions(
            actor=validator,
            review=review,
            columns={},
            file=SimpleUploadedFile("p.csv", as_csv(generated(3000)).getvalue()),
        )
    return version, card, review


def test_an_owner_completes_and_finalises_a_card_and_a_validator_reads_a_review(server, people, scenario):
    from playwright.sync_api import expect, sync_playwright

    version, card, review = scenario
    base = server.url
    card_url = base + card.get_absolute_url()
    ARTIFACTS.mkdir(exist_ok=True)
    console_errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_context(viewport=VIEWPORTS["laptop"]).new_page()
            page.on("console", lambda msg: console_errors.append(msg.text) if msg.type == "error" else None)
            sign_in(page, base, people.owner.username)
            page.goto(base + version.get_absolute_url())
            expect(page.get_by_role("heading", name="Documentation")).to_be_visible()
            page.get_by_role("link", name="Model card").click()
            expect(page.locator(".alert--warning")).to_contain_text("Factors")
            page.get_by_role("link", name="Edit Factors").click()
            expect(page.locator(".alert")).to_contain_text("Guidance")
            page.get_by_label("Factors").fill("Age band and region; **sex** only for the fairness review.")
            page.get_by_label("What changed (optional)").fill("Named the factors")
            page.get_by_role("button", name="Save as a new revision").click()
            expect(page.locator(".messages")).to_contain_text("Saved “Factors” as a new revision.")
            expect(page.locator("#section-factors strong")).to_have_text("sex")
            page.get_by_role("button", name="Mark final").click()
            expect(page.locator("h1")).to_contain_text("Final")
            page.get_by_role("link", name="History (2)").click()
            page.get_by_role("button", name="Compare").click()
            expect(page.locator("ins").first).to_be_visible()
            diff_url = page.url
            screenshot_everywhere(
                page,
                {
                    "card": card_url,
                    "card-diff": diff_url,
                    "card-edit": base + f"/documents/{card.pk}/sections/metrics/",
                    "evidence": base + f"/evidence/versions/{version.pk}/",
                },
            )

            validator = browser.new_context(viewport=VIEWPORTS["laptop"]).new_page()
            validator.on(
                "console", lambda msg: console_errors.append(msg.text) if msg.type == "error" else None
            )
            sign_in(validator, base, people.validator.username)
            validator.goto(base + review.get_absolute_url())
            expect(validator.locator("svg[role=img]").first).to_be_visible()
            expect(validator.get_by_text("Breaches thresholds").first).to_be_visible()
            screenshot_everywhere(validator, {"bias-review": base + review.get_absolute_url()})
        finally:
            browser.close()
    assert console_errors == []
