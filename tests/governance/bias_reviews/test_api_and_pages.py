"""Bias reviews through the API and the pages: create, hand-entered metrics, predictions upload,
sign-off; the results page with its marks and inline-SVG chart; visibility."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import make_asset, make_bias_review, make_version, walk_version_to
from tests.governance.bias_reviews.test_fairness import as_csv, generated

METRICS = {
    "attributes": [
        {
            "attribute": "sex",
            "groups": [
                {
                    "group": "female",
                    "count": 4000,
                    "selection_rate": 0.28,
                    "true_positive_rate": 0.7,
                    "false_positive_rate": 0.1,
                    "accuracy": 0.84,
                },
                {
                    "group": "male",
                    "count": 4100,
                    "selection_rate": 0.40,
                    "true_positive_rate": 0.75,
                    "false_positive_rate": 0.12,
                    "accuracy": 0.83,
                },
            ],
        }
    ]
}


@pytest.fixture
def version(people):
    return walk_version_to(make_version(make_asset(people.owner, people.retail)), "in_validation", people)


def test_a_review_through_the_api(people, version, api_for, django_capture_on_commit_callbacks):
    api = api_for(people.validator)
    created = api.post(
        "/api/v1/bias-reviews/",
        {"version": version.pk, "protected_attributes": ["sex"], "evaluation_data": "2025 hold-out."},
    )
    assert created.status_code == 201, created.json()
    url = f"/api/v1/bias-reviews/{created.json()['id']}/"
    assert created.json()["thresholds"]["demographic_parity_ratio_min"] == 0.8
    recorded = api.post(url + "metrics/", METRICS)
    assert recorded.status_code == 200 and recorded.json()["thresholds_met"] is False
    sex = recorded.json()["results"][0]
    assert (
        sex["demographic_parity_ratio"] == pytest.approx(0.7) and sex["groups"][0]["meets_threshold"] is False
    )
    refused = api.post(url + "sign-off/", {"verdict": "pass"})
    assert refused.status_code == 409 and "breach the thresholds" in refused.json()["reasons"][0]
    with django_capture_on_commit_callbacks(execute=True):
        uploaded = api.post(
            url + "predictions/",
            {"file": SimpleUploadedFile("p.csv", as_csv(generated(2000)).getvalue())},
            format="multipart",
        )
    assert uploaded.status_code == 202, uploaded.json()
    detail = api.get(url).json()
    assert detail["metrics_source"] == "computed" and detail["predictions_files"][0]["purged"] is True
    missing = api.post(
        url + "predictions/", {"file": SimpleUploadedFile("p.csv", b"a,b\n1,2\n")}, format="multipart"
    )
    assert (
        missing.status_code == 400
        and "Missing columns: y_true, y_pred, sex" in missing.json()["errors"]["file"][0]
    )
    signed = api.post(url + "sign-off/", {"verdict": "fail"})
    assert (
        signed.status_code == 200
        and signed.json()["verdict"] == "fail"
        and signed.json()["reviewer"] == "victor"
    )


def test_visibility_and_permissions(people, version, api_for):
    review = make_bias_review(version, people.validator)
    assert api_for(people.outsider).get(f"/api/v1/bias-reviews/{review.pk}/").status_code == 404
    assert api_for(people.owner).get(f"/api/v1/bias-reviews/{review.pk}/").status_code == 200
    response = api_for(people.owner).post(
        "/api/v1/bias-reviews/",
        {"version": version.pk, "protected_attributes": ["sex"], "evaluation_data": "x"},
    )
    assert response.status_code == 403


def test_the_review_page_shows_marks_and_an_svg_chart_without_inline_styles(people, version, web_for):
    review = make_bias_review(version, people.validator, verdict=None, rates={"female": 0.2, "male": 0.5})
    page = web_for(people.owner).get(review.get_absolute_url())
    html = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in html and 'role="img"' in html and "Selection rate by sex" in html
    assert "Breaches thresholds" in html and ">Fail<" in html and ">Pass<" in html
    assert not re.search(r"\sstyle=", html) and "<script>" not in html
    # The owner reads; only the claiming validator gets the forms.
    assert "Sign off" not in html
    assert "Sign off" in web_for(people.validator).get(review.get_absolute_url()).content.decode()
    assert web_for(people.outsider).get(review.get_absolute_url()).status_code == 404


def test_the_pages_drive_a_whole_review(people, version, web_for, django_capture_on_commit_callbacks):
    client = web_for(people.validator)
    assert client.get(f"/bias-reviews/versions/{version.pk}/new/").status_code == 200
    created = client.post(
        f"/bias-reviews/versions/{version.pk}/new/",
        {"protected_attributes": "sex, age_band", "evaluation_data": "Hold-out sample."},
    )
    assert created.status_code == 302
    review_url = created["Location"]
    pk = int(review_url.rstrip("/").split("/")[-1])
    form = client.get(f"/bias-reviews/{pk}/metrics/")
    assert form.status_code == 200 and 'name="a1-r0-group"' in form.content.decode()
    bad = client.post(f"/bias-reviews/{pk}/metrics/", {"a0-r0-group": "f", "a0-r0-selection_rate": "2"})
    assert bad.status_code == 400 and "between 0 and 1" in bad.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            f"/bias-reviews/{pk}/predictions/",
            {"file": SimpleUploadedFile("p.csv", as_csv(generated(1500)).getvalue())},
            follow=True,
        )
    # In the test the task runs when the captured on-commit callbacks do, after the response.
    assert "the metrics are being computed" in done.content.decode()
    page = client.get(f"/bias-reviews/{pk}/").content.decode()
    assert "Computed from a predictions file" in page and "purged" in page and "sex \u00d7 age_band" in page
    garbage = client.post(
        f"/bias-reviews/{pk}/predictions/",
        {"file": SimpleUploadedFile("p.csv", bytes(range(256)) * 4)},
        follow=True,
    )
    assert "Predictions file refused" in garbage.content.decode()
    signed = client.post(
        f"/bias-reviews/{pk}/sign-off/",
        {"verdict": "pass_with_mitigation", "mitigation_plan": "Recalibrate per group."},
        follow=True,
    )
    assert "Bias review signed off." in signed.content.decode()
