"""Bias reviews: thresholds copied at creation, hand-entered metrics, predictions computed by the task
and purged, bad files refused (earlier results kept), sign-off rules, permissions."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from governance.audit.actors import Actor
from governance.audit.models import AuditEvent
from governance.bias_reviews import predictions, services
from governance.bias_reviews.entry import parse_manual_metrics
from governance.bias_reviews.errors import BiasReviewConflict
from governance.bias_reviews.models import BiasReview, PredictionsFile
from governance.bias_reviews.thresholds import Thresholds
from tests.factories import group_metrics, make_asset, make_version, walk_version_to
from tests.governance.bias_reviews.test_fairness import as_csv, generated


@pytest.fixture
def version(people):
    return walk_version_to(make_version(make_asset(people.owner, people.retail)), "in_validation", people)


@pytest.fixture
def review(people, version):
    return services.create_bias_review(
        actor=Actor.for_user(people.validator),
        version=version,
        protected_attributes=["sex", "age_band"],
        evaluation_data="Out-of-time sample, 2025 Q4.",
    )


def upload(people, review, data: bytes, name="predictions.csv", **columns):
    return predictions.upload_predictions(
        actor=Actor.for_user(people.validator),
        review=review,
        file=SimpleUploadedFile(name, data),
        columns=columns,
    )


def files_in(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_thresholds_are_copied_from_the_matching_policy_when_the_review_is_opened(people, review):
    # The seeded high-risk policy asks for a demographic-parity ratio of at least 0.8.
    assert review.thresholds == {
        "demographic_parity_ratio_min": 0.8,
        "demographic_parity_difference_max": None,
        "equalized_odds_difference_max": None,
    }
    assert review.threshold_source.startswith("Policy “High risk”")
    event = AuditEvent.objects.get(action="bias_review.created", object_id=str(review.pk))
    assert event.payload["new"]["thresholds"]["demographic_parity_ratio_min"] == 0.8


def test_without_a_policy_the_settings_defaults_apply(people, version, settings):
    from governance.bias_reviews import thresholds

    settings.STEWARD_BIAS_DP_RATIO_MIN = "0.9"
    settings.STEWARD_BIAS_EO_DIFFERENCE_MAX = "0.1"
    saved = list(thresholds.THRESHOLD_SOURCES)
    thresholds.THRESHOLD_SOURCES.clear()
    try:
        review = services.create_bias_review(
            actor=Actor.for_user(people.validator),
            version=version,
            protected_attributes=["sex"],
            evaluation_data="x",
        )
    finally:
        thresholds.THRESHOLD_SOURCES.extend(saved)
    assert review.thresholds["demographic_parity_ratio_min"] == 0.9
    assert review.thresholds["equalized_odds_difference_max"] == 0.1
    assert review.threshold_source == "Steward default (settings)"


def test_only_the_claiming_validator_writes_the_review(people, version):
    for user in (people.owner, people.validator2, people.approver, people.compliance, people.outsider):
        with pytest.raises(PermissionDenied):
            services.create_bias_review(
                actor=Actor.for_user(user), version=version, protected_attributes=["sex"], evaluation_data="x"
            )


def test_one_open_review_per_version(people, review):
    with pytest.raises(BiasReviewConflict, match="already has a bias review in progress"):
        services.create_bias_review(
            actor=Actor.for_user(people.validator),
            version=review.version,
            protected_attributes=["sex"],
            evaluation_data="x",
        )


def test_hand_entered_metrics_are_judged_against_the_thresholds(people, review):
    attributes = parse_manual_metrics(
        group_metrics({"female": 0.30, "male": 0.45})
        + group_metrics({"18-40": 0.4, "41+": 0.41}, "age_band"),
        review.protected_attributes,
    )
    review = services.record_manual_metrics(
        actor=Actor.for_user(people.validator), review=review, attributes=attributes
    )
    assert (
        review.metrics_source == "manual"
        and review.thresholds_met is False
        and len(review.metrics_sha256) == 64
    )
    sex = review.results.get(attribute="sex")
    assert sex.demographic_parity_ratio == pytest.approx(0.30 / 0.45)
    assert not sex.meets_thresholds and "below 0.80" in sex.failures[0]
    assert {g.group: g.meets_threshold for g in sex.groups.all()} == {"female": False, "male": True}
    assert review.results.get(attribute="age_band").meets_thresholds


def test_manual_metrics_shape_errors_name_the_problem(review):
    with pytest.raises(ValidationError) as caught:
        parse_manual_metrics(
            [
                {"attribute": "sex", "groups": [{"group": "f", "selection_rate": 1.5}]},
                {"attribute": "colour", "groups": []},
            ],
            review.protected_attributes,
        )
    messages = caught.value.message_dict["attributes"]
    assert any("at least two groups" in m for m in messages)
    assert any("“colour” is not one of" in m for m in messages)


def test_sign_off_rules(people, review):
    validator = Actor.for_user(people.validator)
    with pytest.raises(BiasReviewConflict, match="cannot be signed off"):
        services.sign_off(actor=validator, review=review, verdict="pass")
    attributes = parse_manual_metrics(
        group_metrics({"female": 0.30, "male": 0.45}) + group_metrics({"a": 0.4, "b": 0.4}, "age_band"),
        review.protected_attributes,
    )
    services.record_manual_metrics(actor=validator, review=review, attributes=attributes)
    with pytest.raises(BiasReviewConflict) as caught:
        services.sign_off(actor=validator, review=review, verdict="pass")
    assert "breach the thresholds" in caught.value.reasons[0]
    with pytest.raises(ValidationError, match="mitigation plan"):
        services.sign_off(actor=validator, review=review, verdict="pass_with_mitigation")
    signed = services.sign_off(
        actor=validator,
        review=review,
        verdict="pass_with_mitigation",
        mitigation_plan="Re-weight the training data; monitor monthly.",
    )
    assert signed.passed and signed.reviewer == people.validator and signed.signed_at is not None
    with pytest.raises(BiasReviewConflict, match="signed off"):
        services.record_manual_metrics(actor=validator, review=signed, attributes=attributes)
    event = AuditEvent.objects.get(action="bias_review.signed_off")
    assert event.payload["verdict"] == "pass_with_mitigation" and event.payload["thresholds_met"] is False


def test_predictions_are_computed_recorded_and_purged(
    people, review, django_capture_on_commit_callbacks, private_media
):
    frame = generated(5_000)
    data = as_csv(frame).getvalue()
    with django_capture_on_commit_callbacks(execute=True):
        job = upload(people, review, data)
    job.refresh_from_db()
    review.refresh_from_db()
    assert job.status == "succeeded" and job.row_count == 5_000 and job.purged_at is not None and not job.file
    assert files_in(private_media) == []
    assert review.metrics_source == "computed" and review.thresholds_met is False
    assert [r.attribute for r in review.results.order_by("position")] == [
        "sex",
        "age_band",
        "sex \u00d7 age_band",
    ]
    actions = list(
        AuditEvent.objects.filter(object_type="bias_reviews.biasreview", object_id=str(review.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions[-3:] == [
        "bias_review.predictions_uploaded",
        "bias_review.metrics_recorded",
        "bias_review.predictions_purged",
    ]
    purge = AuditEvent.objects.get(action="bias_review.predictions_purged")
    assert purge.payload["sha256"] == job.sha256 and purge.actor_kind == "system"
    recorded = AuditEvent.objects.get(action="bias_review.metrics_recorded")
    assert recorded.payload["predictions"]["sha256"] == job.sha256


def test_retention_keeps_the_file_until_the_sweep(
    people, review, django_capture_on_commit_callbacks, settings, private_media
):
    settings.STEWARD_PREDICTIONS_RETENTION_HOURS = 24
    with django_capture_on_commit_callbacks(execute=True):
        job = upload(people, review, as_csv(generated(500)).getvalue())
    job.refresh_from_db()
    assert job.status == "succeeded" and job.purged_at is None and len(files_in(private_media)) == 1
    assert predictions.sweep()["purged"] == 0
    with django_capture_on_commit_callbacks(execute=True):
        outcome = predictions.sweep(now=timezone.now() + timedelta(hours=25))
    job.refresh_from_db()
    assert outcome["purged"] == 1 and job.purged_at is not None and files_in(private_media) == []
    assert job.sha256 and review.results.exists()


def test_a_bad_file_fails_with_a_clear_error_and_earlier_results_stay(
    people, review, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        upload(people, review, as_csv(generated(800)).getvalue())
    review.refresh_from_db()
    before = review.metrics_sha256
    bad = b"y_true,y_pred,sex,age_band\n1,0,f,young\n3,1,m,old\n"
    with django_capture_on_commit_callbacks(execute=True):
        job = upload(people, review, bad)
    job.refresh_from_db()
    review.refresh_from_db()
    assert (
        job.status == "failed" and "y_true must hold binary labels" in job.error and job.purged_at is not None
    )
    assert review.metrics_sha256 == before and review.results.exists()
    failed = AuditEvent.objects.get(action="bias_review.computation_failed")
    assert failed.payload["earlier_results_kept"] is True


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"y_true,y_pred,region\n1,0,n\n", "Missing columns: sex, age_band"),
        (bytes(range(256)) * 8, "not accepted"),
        (b"", "empty"),
        (b"%PDF-1.4\n%%EOF\n", "PDF"),
    ],
)
def test_a_file_is_refused_at_upload_before_anything_is_stored(people, review, data, message, private_media):
    with pytest.raises(ValidationError, match=message):
        upload(people, review, data)
    assert not PredictionsFile.objects.exists() and files_in(private_media) == []


def test_group_columns_must_be_protected_attributes(people, review):
    with pytest.raises(ValidationError, match="Not protected attributes of this review: region"):
        upload(people, review, as_csv(generated(100)).getvalue(), groups="sex, region")


def test_a_lost_worker_is_recovered_by_the_sweep(
    people, review, django_capture_on_commit_callbacks, settings
):
    with django_capture_on_commit_callbacks(execute=False):
        job = upload(people, review, as_csv(generated(300)).getvalue())
    PredictionsFile.objects.filter(pk=job.pk).update(
        status="running", claimed_at=timezone.now() - timedelta(hours=2)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert predictions.sweep()["requeued"] == 1
    job.refresh_from_db()
    assert job.status == "succeeded"
    predictions.run_computation(job.pk)  # a duplicate delivery does nothing
    assert BiasReview.objects.get(pk=review.pk).results.count() == 3


def test_thresholds_validation():
    with pytest.raises(ValidationError, match="between 0 and 1"):
        Thresholds.from_mapping({"demographic_parity_ratio_min": 1.5}, "x")
    with pytest.raises(ValidationError, match="Unknown"):
        Thresholds.from_mapping({"p_value": 0.05}, "x")
    assert (
        Thresholds.from_mapping({"equalized_odds_difference_max": "0.1"}, "x").equalized_odds_difference_max
        == 0.1
    )
