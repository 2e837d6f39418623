"""Benchmark: fairness metrics over a predictions file of 1,000,000 rows and 3 group columns.

Target (issue 4): under 10 s and under 1 GB peak RSS. The file is generated first (in this process);
the computation runs in a fresh child process exactly as the Celery task does it
(governance.bias_reviews.fairness.compute_from_file: read, validate, per-group and intersectional
metrics), so the child's peak RSS is the computation's own, Python and pandas included.

    .venv/bin/python benchmarks/fairness.py [--rows 1000000] [--gzip]
"""

from __future__ import annotations

import argparse
import gzip
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
TIME_LIMIT_S = 10.0
RSS_LIMIT_MB = 1024.0


def generate(path: Path, rows: int, compress: bool) -> None:
    """y_true, y_pred, score and three group columns (sex, age_band, region) with a planted disparity."""
    rng = np.random.default_rng(2026)
    sex = rng.choice(np.array(["female", "male", "non-binary"]), rows, p=[0.49, 0.49, 0.02])
    age = rng.choice(np.array(["18-25", "26-40", "41-65", "65+"]), rows, p=[0.15, 0.4, 0.35, 0.1])
    region = rng.choice(np.array(["north", "south", "east", "west", "capital"]), rows)
    y_true = (rng.random(rows) < 0.3).astype(np.int8)
    rate = np.where(sex == "female", 0.30, 0.42) + np.where(y_true == 1, 0.3, 0.0)
    y_pred = (rng.random(rows) < rate).astype(np.int8)
    score = np.round(rng.random(rows), 4)
    import pandas as pd

    frame = pd.DataFrame(
        {"y_true": y_true, "y_pred": y_pred, "score": score, "sex": sex, "age_band": age, "region": region}
    )
    if compress:
        with gzip.open(path, "wt", compresslevel=6) as handle:
            frame.to_csv(handle, index=False)
    else:
        frame.to_csv(path, index=False)


CHILD = """
import os, sys, time, resource
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "governance.settings")
import django
django.setup()
from governance.bias_reviews.fairness import Columns, compute_from_file
start = time.perf_counter()
with open(sys.argv[1], "rb") as handle:
    rows, stats = compute_from_file(handle, Columns(("sex", "age_band", "region"), score="score"))
elapsed = time.perf_counter() - start
sex = stats[0]
groups = sum(len(s.groups) for s in stats)
print(f"{elapsed:.3f} {rows} {len(stats)} {groups} {sex.demographic_parity_ratio:.4f}")
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--gzip", action="store_true", help="benchmark a gzip-compressed CSV")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / ("predictions.csv.gz" if args.gzip else "predictions.csv")
        started = time.perf_counter()
        generate(path, args.rows, args.gzip)
        print(
            f"generated {args.rows:,} rows x 3 group columns in {time.perf_counter() - started:.1f} s: "
            f"{path.stat().st_size / 1e6:.1f} MB{' (gzip)' if args.gzip else ''}"
        )
        env = os.environ | {"STEWARD_DATA_DIR": tmp, "PYTHONPATH": str(ROOT)}
        wall = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-c", CHILD, str(path)],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            check=False,
        )
        wall = time.perf_counter() - wall
        if result.returncode != 0:
            print(result.stderr[-3000:])
            return 1
        elapsed, rows, attributes, groups, ratio = result.stdout.split()
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # Linux reports KiB
        seconds = float(elapsed)
        print(
            f"computed: {int(rows):,} rows, {attributes} attributes (3 + intersection), {groups} groups; "
            f"demographic-parity ratio (sex) {ratio}"
        )
        print(
            f"compute time: {seconds:.2f} s (limit {TIME_LIMIT_S:.0f} s); child process wall time incl. "
            f"interpreter and Django start-up: {wall:.2f} s"
        )
        print(f"peak RSS of the computing process: {peak_mb:.0f} MB (limit {RSS_LIMIT_MB:.0f} MB)")
        ok = seconds < TIME_LIMIT_S and peak_mb < RSS_LIMIT_MB
        print("PASS" if ok else "FAIL")
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
