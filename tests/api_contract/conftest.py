"""Collection fix-up for the schemathesis contract test."""

from __future__ import annotations

import pytest


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Give each generated schemathesis test its operation in the node id.

    Schemathesis names its items `test[GET /api/v1/…]`, but under pytest 9.2 the node id is built
    without that suffix, so all 113 operations share one id. pytest-xdist schedules by node id and
    would then run just one of them (and --lf, JUnit reports and -k would conflate them).
    """
    for item in items:
        label = getattr(item, "operation_label", None)
        if label and item.nodeid.endswith(item.name.split("[", 1)[0]):
            item._id = item._id.with_params(label)  # type: ignore[attr-defined]
