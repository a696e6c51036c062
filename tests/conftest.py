"""Shared test fixtures, and how `make test` splits the suite over two workers."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "False")
os.environ.setdefault("DO_NOT_TRACK", "1")


@pytest.hookimpl(tryfirst=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    """`make test` runs `pytest -n 2`: one work unit per folder of tests, so that a
    folder's session fixtures (the warehouses built once, the reliability reference, the
    Airflow home and its database) are built by one worker, never by two at once. The
    folders go out largest first."""
    from xdist.scheduler import LoadScopeScheduling

    class FolderScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            return path.rsplit("/", 1)[0]

    return FolderScheduling(config, log)
