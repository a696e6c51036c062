"""Fixtures: one clean and one dirty generated landing zone per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from klantwaarde.generate import generate

CUSTOMERS, MONTHS, SEED = 300, 3, 7


@pytest.fixture(scope="session")
def clean(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("clean") / "landing"
    generate(out=out, customers=CUSTOMERS, months=MONTHS, seed=SEED)
    return out


@pytest.fixture(scope="session")
def dirty(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dirty") / "landing"
    generate(out=out, customers=CUSTOMERS, months=MONTHS, seed=SEED, dirty_rate=0.02)
    return out
