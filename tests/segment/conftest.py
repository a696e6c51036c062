"""Fixtures for the segmentation tests."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

from .handmade import build_mart


@pytest.fixture
def mart(tmp_path: Path) -> Callable[..., Path]:
    """Factory: mart(customers, **kwargs) -> path of a DuckDB file with those tables."""
    path = tmp_path / "warehouse.duckdb"

    def make(customers: Iterable[dict], **kwargs) -> Path:
        build_mart(path, customers, **kwargs)
        return path

    return make
