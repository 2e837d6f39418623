"""Steward's settings with benchmarks/drf_baseline.py as the URL conf (for benchmarks/api.py only)."""

from governance.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.drf_baseline"
