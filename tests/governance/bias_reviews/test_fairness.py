"""Computed fairness metrics equal fairlearn's on generated data with known disparities; bad files are
refused with a message naming the problem."""

from __future__ import annotations

import gzip
import io

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import (
    MetricFrame,
    demographic_parity_difference,
    demographic_parity_ratio,
    equalized_odds_difference,
    false_positive_rate,
    selection_rate,
    true_positive_rate,
)
from sklearn.metrics import accuracy_score

from governance.bias_reviews.fairness import Columns, PredictionsError, compute_from_file, judge
from governance.bias_reviews.thresholds import Thresholds


def generated(n: int = 30_000, seed: int = 7) -> pd.DataFrame:
    """Predictions with a known disparity: women are selected about 60% as often as men, and the
    youngest band has a lower true-positive rate."""
    rng = np.random.default_rng(seed)
    sex = rng.choice(["female", "male"], n)
    age = rng.choice(["18-25", "26-40", "41-65", "65+"], n, p=[0.15, 0.4, 0.35, 0.1])
    region = rng.choice(["north", "south", "east"], n)
    y_true = (rng.random(n) < 0.35).astype(int)
    base = np.where(sex == "female", 0.24, 0.40)
    boost = np.where((y_true == 1) & (age != "18-25"), 0.3, 0.0)
    y_pred = (rng.random(n) < base + boost).astype(int)
    return pd.DataFrame(
        {
            "y_true": y_true,
            "y_pred": y_pred,
            "score": rng.random(n),
            "sex": sex,
            "age_band": age,
            "region": region,
        }
    )


def as_csv(frame: pd.DataFrame, *, compress: bool = False) -> io.BytesIO:
    data = frame.to_csv(index=False).encode()
    return io.BytesIO(gzip.compress(data) if compress else data)


@pytest.mark.parametrize("compress", [False, True])
def test_metrics_equal_fairlearns(compress):
    frame = generated()
    rows, stats = compute_from_file(
        as_csv(frame, compress=compress), Columns(("sex", "age_band", "region"), score="score")
    )
    assert rows == len(frame)
    by_name = {s.attribute: s for s in stats}
    assert list(by_name) == ["sex", "age_band", "region", "sex \u00d7 age_band \u00d7 region"]
    for name, s in by_name.items():
        features = frame[["sex", "age_band", "region"]] if s.intersectional else frame[name]
        kwargs = {"y_true": frame.y_true, "y_pred": frame.y_pred, "sensitive_features": features}
        assert s.demographic_parity_difference == pytest.approx(
            demographic_parity_difference(**kwargs), abs=1e-12
        )
        assert s.demographic_parity_ratio == pytest.approx(demographic_parity_ratio(**kwargs), abs=1e-12)
        assert s.equalized_odds_difference == pytest.approx(equalized_odds_difference(**kwargs), abs=1e-12)
        frame_metrics = MetricFrame(
            metrics={
                "sr": selection_rate,
                "tpr": true_positive_rate,
                "fpr": false_positive_rate,
                "acc": accuracy_score,
            },
            **kwargs,
        ).by_group
        assert len(frame_metrics) == len(s.groups)
        for group, (_, expected) in zip(s.groups, frame_metrics.iterrows(), strict=True):
            assert group.selection_rate == pytest.approx(expected["sr"], abs=1e-12)
            assert group.true_positive_rate == pytest.approx(expected["tpr"], abs=1e-12)
            assert group.false_positive_rate == pytest.approx(expected["fpr"], abs=1e-12)
            assert group.accuracy == pytest.approx(expected["acc"], abs=1e-12)
    # The planted disparity is found: about 0.6 for sex, so the four-fifths rule fails.
    sex = by_name["sex"]
    assert 0.5 < sex.demographic_parity_ratio < 0.7
    judgement = judge(sex, Thresholds())
    assert not judgement.meets and judgement.group_marks == {"female": False, "male": True}
    assert judge(by_name["region"], Thresholds()).meets


def test_true_false_labels_are_binary_too():
    frame = generated(2_000)
    frame["y_true"] = frame.y_true.map({0: "false", 1: "true"})
    frame["y_pred"] = frame.y_pred.astype(bool)
    _, stats = compute_from_file(as_csv(frame), Columns(("sex",)))
    assert stats[0].demographic_parity_difference > 0


def test_a_group_without_positives_has_an_undefined_tpr_left_out_of_the_spread():
    frame = pd.DataFrame(
        {"y_true": [0, 0, 1, 1, 0, 1], "y_pred": [0, 1, 1, 0, 0, 1], "g": ["a", "a", "b", "b", "b", "b"]}
    )
    _, (stats,) = compute_from_file(as_csv(frame), Columns(("g",)))
    group_a = stats.groups[0]
    assert group_a.true_positive_rate is None and group_a.false_positive_rate == 0.5
    assert any("No actual positives" in note for note in stats.notes)
    assert stats.equalized_odds_difference == pytest.approx(0.5)  # the FPR spread only


@pytest.mark.parametrize(
    ("content", "columns", "message"),
    [
        (b"y_true,y_pred,region\n1,0,n\n", Columns(("sex",)), "Missing column: sex"),
        (b"label,pred,sex\n1,0,f\n", Columns(("sex",)), "Missing columns: y_true, y_pred"),
        (b"y_true,y_pred,sex\n1,0,f\n2,1,m\n", Columns(("sex",)), "y_true must hold binary labels.*2"),
        (b"y_true,y_pred,sex\n1,0.7,f\n0,1,m\n", Columns(("sex",)), "y_pred must hold binary labels.*0.7"),
        (b"y_true,y_pred,sex\n1,yes,f\n0,no,m\n", Columns(("sex",)), "y_pred must hold binary"),
        (b"y_true,y_pred,sex\n1,,f\n0,1,m\n", Columns(("sex",)), "y_pred has 1 empty cell.*line 2"),
        (b"y_true,y_pred,sex\n1,0,f\n0,1,\n1,1,m\n", Columns(("sex",)), "sex has 1 empty value.*line 3"),
        (b"y_true,y_pred,sex\n1,0,f\n0,1,f\n", Columns(("sex",)), "only one group"),
        (b"y_true,y_pred,sex\n", Columns(("sex",)), "no rows"),
        (
            b"y_true,y_pred,sex,score\n1,0,f,high\n0,1,m,0.2\n",
            Columns(("sex",), score="score"),
            "score must hold numbers",
        ),
        (b"\xff\xfe\x00garbage\x00\x81\x82", Columns(("sex",)), "not UTF-8"),
        (b"", Columns(("sex",)), "cannot be read as CSV"),
        (b'y_true,y_pred,sex\n1,0,"f\n', Columns(("sex",)), "cannot be read as CSV"),
        (gzip.compress(b"", mtime=0)[:-4], Columns(("sex",)), "cannot be read as CSV"),
    ],
)
def test_bad_files_raise_a_clear_error(content, columns, message):
    with pytest.raises(PredictionsError, match=message):
        compute_from_file(io.BytesIO(content), columns)


def test_na_is_a_group_name_not_a_missing_value():
    frame = pd.DataFrame({"y_true": [1, 0, 1, 0], "y_pred": [1, 0, 0, 1], "region": ["NA", "NA", "EU", "EU"]})
    _, (stats,) = compute_from_file(as_csv(frame), Columns(("region",)))
    assert [g.group for g in stats.groups] == ["EU", "NA"]
