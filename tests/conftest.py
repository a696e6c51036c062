"""Shared test fixtures, and the grouping `make test` runs in parallel by."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "False")
os.environ.setdefault("DO_NOT_TRACK", "1")

TESTS = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """One xdist group per folder of tests (`make test` runs `-n 2 --dist loadgroup`): a
    folder's session fixtures (the warehouses built once, the reliability reference, the
    Airflow home) are built by one worker, never twice."""
    for item in items:
        parts = Path(str(item.path)).resolve().relative_to(TESTS).parts
        item.add_marker(pytest.mark.xdist_group(parts[0] if len(parts) > 1 else "root"))
