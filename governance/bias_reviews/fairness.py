"""Fairness metrics from a predictions file, vectorised (pandas to read, numpy bincount to count).

Definitions follow fairlearn, and the tests compare against it on the same data:
- per group: selection rate P(ŷ=1), true-positive rate P(ŷ=1|y=1), false-positive rate
  P(ŷ=1|y=0) and accuracy;
- per attribute: demographic-parity difference (max - min selection rate) and ratio (min / max),
  equalized-odds difference (the larger of the TPR and FPR spreads between groups).
One deliberate difference: a group without actual positives (or negatives) has an *undefined* TPR
(or FPR) here, reported as such and left out of the spread, where fairlearn would count it as 0.

Every problem with the file raises PredictionsError, whose message names the problem for the person
who uploaded the file (missing columns, non-binary labels, empty group values, unreadable bytes).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

import numpy as np
import pandas as pd

from governance.bias_reviews.thresholds import Thresholds

MAX_GROUPS = 200
MAX_INTERSECTION_GROUPS = 2_000
SMALL_GROUP = 30
INTERSECTION = " \u00d7 "  # the multiplication sign between attribute values


class PredictionsError(ValueError):
    """The predictions file cannot be used; the message says why, in the uploader's terms."""


@dataclass(frozen=True)
class Columns:
    """Which columns of the file hold what."""

    groups: tuple[str, ...]
    y_true: str = "y_true"
    y_pred: str = "y_pred"
    score: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "y_true": self.y_true,
            "y_pred": self.y_pred,
            "score": self.score,
            "groups": list(self.groups),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Columns:
        return cls(
            tuple(data["groups"]),
            data.get("y_true", "y_true"),
            data.get("y_pred", "y_pred"),
            data.get("score"),
        )

    @property
    def used(self) -> list[str]:
        names = [self.y_true, self.y_pred, *self.groups]
        return [*names, self.score] if self.score else names


@dataclass(frozen=True)
class GroupStats:
    group: str
    selection_rate: float
    true_positive_rate: float | None
    false_positive_rate: float | None
    accuracy: float | None
    count: int | None = None
    positives: int | None = None


@dataclass
class AttributeStats:
    attribute: str
    groups: list[GroupStats]
    intersectional: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def demographic_parity_difference(self) -> float | None:
        rates = [g.selection_rate for g in self.groups]
        return max(rates) - min(rates) if rates else None

    @property
    def demographic_parity_ratio(self) -> float | None:
        rates = [g.selection_rate for g in self.groups]
        if not rates or max(rates) == 0:
            return None  # nobody selected in any group: the ratio is undefined (0/0)
        return min(rates) / max(rates)

    @property
    def equalized_odds_difference(self) -> float | None:
        spreads = []
        for rates in (
            [g.true_positive_rate for g in self.groups],
            [g.false_positive_rate for g in self.groups],
        ):
            defined = [r for r in rates if r is not None]
            if len(defined) >= 2:
                spreads.append(max(defined) - min(defined))
        return max(spreads) if spreads else None


# --- reading ------------------------------------------------------------------------------------


def _is_gzip(source: Any) -> bool:
    if isinstance(source, str | bytes) or hasattr(source, "__fspath__"):
        with open(source, "rb") as handle:
            return handle.read(2) == b"\x1f\x8b"
    source.seek(0)
    magic_bytes = source.read(2)
    source.seek(0)
    return bytes(magic_bytes) == b"\x1f\x8b"


def _read(source: Any, **kwargs: Any) -> pd.DataFrame:
    compression = "gzip" if _is_gzip(source) else None
    if hasattr(source, "seek"):
        source.seek(0)
    try:
        return pd.read_csv(source, compression=compression, encoding="utf-8-sig", engine="c", **kwargs)
    except UnicodeDecodeError as exc:
        raise PredictionsError("The file is not UTF-8 text: it cannot be read as CSV.") from exc
    except (pd.errors.ParserError, pd.errors.EmptyDataError, OSError, EOFError) as exc:
        raise PredictionsError(f"The file cannot be read as CSV: {str(exc).strip()[:200]}") from exc


def read_header(source: str | IO[bytes]) -> list[str]:
    """The column names of a predictions file (its first line)."""
    return [str(c) for c in _read(source, nrows=0).columns]


def check_header(header: Sequence[str], columns: Columns) -> None:
    """Raise PredictionsError naming every required column the file lacks."""
    if not columns.groups:
        raise PredictionsError("Name at least one group (protected attribute) column.")
    missing = [c for c in columns.used if c not in header]
    if missing:
        raise PredictionsError(
            f"Missing column{'s' if len(missing) > 1 else ''}: {', '.join(missing)}. "
            f"The file has: {', '.join(header[:20]) or 'no columns'}."
        )


def _line(index: Any) -> int:
    return int(index) + 2  # data rows start on line 2, after the header


def _binary(series: pd.Series, name: str) -> np.ndarray:
    empty = series.isna()
    if empty.any():
        raise PredictionsError(
            f"Column {name} has {int(empty.sum())} empty cell(s) (first on line {_line(empty.idxmax())})."
        )
    if pd.api.types.is_bool_dtype(series):
        return series.to_numpy(dtype=np.int8)
    if pd.api.types.is_numeric_dtype(series):
        values = series.to_numpy()
        bad = ~np.isin(values, (0, 1))
    else:
        text = series.astype(str).str.strip().str.lower()
        mapped = text.map({"0": 0, "1": 1, "true": 1, "false": 0, "0.0": 0, "1.0": 1})
        bad = mapped.isna().to_numpy()
        values = mapped.to_numpy()
    if bad.any():
        examples = sorted({str(v) for v in series[bad].head(1000)})[:5]
        raise PredictionsError(
            f"Column {name} must hold binary labels (0/1 or true/false); it also has: {', '.join(examples)} "
            f"(first on line {_line(np.argmax(bad))}). Put scores in the score column."
        )
    return np.asarray(values, dtype=np.int8)


def _codes(series: pd.Series, name: str) -> tuple[np.ndarray, list[str]]:
    empty = series.isna()
    if empty.any():
        raise PredictionsError(
            f"Group column {name} has {int(empty.sum())} empty value(s) "
            f"(first on line {_line(empty.idxmax())}); "
            "every row needs a group."
        )
    categorical = series.astype("category")
    labels = [str(c) for c in categorical.cat.categories]
    if len(labels) < 2:
        only = f" (“{labels[0]}”)" if labels else ""
        raise PredictionsError(
            f"Group column {name} has only one group{only}: a comparison needs at least two."
        )
    if len(labels) > MAX_GROUPS:
        raise PredictionsError(
            f"Group column {name} has {len(labels)} distinct values; "
            f"at most {MAX_GROUPS} groups are compared. "
            "Is it really a protected attribute?"
        )
    return categorical.cat.codes.to_numpy(dtype=np.int64), labels


@dataclass
class Predictions:
    y_true: np.ndarray
    y_pred: np.ndarray
    groups: list[tuple[str, np.ndarray, list[str]]]

    @property
    def rows(self) -> int:
        return int(self.y_true.shape[0])


def load_predictions(source: str | IO[bytes], columns: Columns) -> Predictions:
    """Read and validate a predictions file (CSV, optionally gzip-compressed)."""
    check_header(read_header(source), columns)
    frame = _read(
        source,
        usecols=columns.used,
        dtype=dict.fromkeys(columns.groups, "category"),
        keep_default_na=False,
        na_values={name: [""] for name in columns.used},
    )
    if frame.empty:
        raise PredictionsError("The file has a header but no rows.")
    y_true = _binary(frame[columns.y_true], columns.y_true)
    y_pred = _binary(frame[columns.y_pred], columns.y_pred)
    if columns.score:
        scores = pd.to_numeric(frame[columns.score], errors="coerce")
        bad = scores.isna() & frame[columns.score].notna()
        if bad.any():
            raise PredictionsError(
                f"Column {columns.score} must hold numbers (first non-number on line {_line(bad.idxmax())})."
            )
    groups = [(name, *_codes(frame[name], name)) for name in columns.groups]
    return Predictions(y_true, y_pred, groups)


# --- computing ----------------------------------------------------------------------------------


def _stats(
    name: str,
    codes: np.ndarray,
    labels: list[str],
    y_true: np.ndarray,
    y_pred: np.ndarray,
    *,
    intersectional: bool = False,
) -> AttributeStats:
    k = len(labels)
    actual, predicted = y_true == 1, y_pred == 1
    count = np.bincount(codes, minlength=k)
    positives = np.bincount(codes[actual], minlength=k)
    selected = np.bincount(codes[predicted], minlength=k)
    true_pos = np.bincount(codes[actual & predicted], minlength=k)
    correct = np.bincount(codes[y_true == y_pred], minlength=k)
    negatives = count - positives
    false_pos = selected - true_pos
    groups = []
    for i in sorted(range(k), key=lambda j: labels[j]):
        n = int(count[i])
        if n == 0:
            continue
        groups.append(
            GroupStats(
                group=labels[i],
                selection_rate=float(selected[i] / n),
                true_positive_rate=float(true_pos[i] / positives[i]) if positives[i] else None,
                false_positive_rate=float(false_pos[i] / negatives[i]) if negatives[i] else None,
                accuracy=float(correct[i] / n),
                count=n,
                positives=int(positives[i]),
            )
        )
    stats = AttributeStats(name, groups, intersectional)
    no_pos = [g.group for g in groups if g.true_positive_rate is None]
    no_neg = [g.group for g in groups if g.false_positive_rate is None]
    small = [g.group for g in groups if (g.count or 0) < SMALL_GROUP]
    if no_pos:
        stats.notes.append(f"No actual positives, so no true-positive rate, in: {', '.join(no_pos[:10])}.")
    if no_neg:
        stats.notes.append(f"No actual negatives, so no false-positive rate, in: {', '.join(no_neg[:10])}.")
    if small:
        stats.notes.append(
            f"Fewer than {SMALL_GROUP} rows (rates are uncertain) in: {', '.join(small[:10])}"
            + (f" and {len(small) - 10} more." if len(small) > 10 else ".")
        )
    return stats


def compute_metrics(data: Predictions) -> list[AttributeStats]:
    """Per-attribute metrics, then (with several attributes) their intersection, informational only."""
    results = [_stats(name, codes, labels, data.y_true, data.y_pred) for name, codes, labels in data.groups]
    if len(data.groups) > 1:
        combined = np.zeros(data.rows, dtype=np.int64)
        for _, codes, labels in data.groups:
            combined = combined * len(labels) + codes
        codes, uniques = pd.factorize(combined, sort=True)
        name = INTERSECTION.join(name for name, _, _ in data.groups)
        if len(uniques) <= MAX_INTERSECTION_GROUPS:
            labels = [_intersection_label(int(u), data.groups) for u in uniques]
            results.append(_stats(name, codes, labels, data.y_true, data.y_pred, intersectional=True))
    return results


def _intersection_label(code: int, groups: list[tuple[str, np.ndarray, list[str]]]) -> str:
    parts = []
    for _, _, labels in reversed(groups):
        code, index = divmod(code, len(labels))
        parts.append(labels[index])
    return INTERSECTION.join(reversed(parts))


def compute_from_file(source: str | IO[bytes], columns: Columns) -> tuple[int, list[AttributeStats]]:
    """Rows read and the metrics of a predictions file; raises PredictionsError for a bad file."""
    data = load_predictions(source, columns)
    return data.rows, compute_metrics(data)


# --- judging against thresholds -----------------------------------------------------------------


@dataclass(frozen=True)
class Judgement:
    meets: bool
    failures: list[str]
    group_marks: dict[str, bool]


def judge(stats: AttributeStats, thresholds: Thresholds) -> Judgement:
    """Hold an attribute to the thresholds; each group is marked by its selection rate against the
    most-selected group's (the four-fifths rule, and the parity-difference limit when set)."""
    failures = []
    ratio, difference, odds = (
        stats.demographic_parity_ratio,
        stats.demographic_parity_difference,
        stats.equalized_odds_difference,
    )
    if (
        thresholds.demographic_parity_ratio_min is not None
        and ratio is not None
        and ratio < thresholds.demographic_parity_ratio_min
    ):
        failures.append(
            f"Demographic-parity ratio {ratio:.3f} is below {thresholds.demographic_parity_ratio_min:.2f}."
        )
    if (
        thresholds.demographic_parity_difference_max is not None
        and difference is not None
        and difference > thresholds.demographic_parity_difference_max
    ):
        failures.append(
            f"Demographic-parity difference {difference:.3f} is above "
            f"{thresholds.demographic_parity_difference_max:.2f}."
        )
    if (
        thresholds.equalized_odds_difference_max is not None
        and odds is not None
        and odds > thresholds.equalized_odds_difference_max
    ):
        failures.append(
            f"Equalized-odds difference {odds:.3f} is above {thresholds.equalized_odds_difference_max:.2f}."
        )
    top = max((g.selection_rate for g in stats.groups), default=0.0)
    marks = {}
    for g in stats.groups:
        ok = True
        if thresholds.demographic_parity_ratio_min is not None and top > 0:
            ok = g.selection_rate / top >= thresholds.demographic_parity_ratio_min
        if thresholds.demographic_parity_difference_max is not None:
            ok = ok and top - g.selection_rate <= thresholds.demographic_parity_difference_max
        marks[g.group] = ok
    return Judgement(not failures, failures, marks)


def overall_met(judgements: Iterable[tuple[AttributeStats, Judgement]]) -> bool:
    """Every protected attribute (intersections are informational) meets every threshold."""
    return all(j.meets for stats, j in judgements if not stats.intersectional)
