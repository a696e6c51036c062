"""Session fixtures for the warehouse tests: one generated landing zone, one warehouse
built in a single full build, and one built night by night (incremental)."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pytest

from klantwaarde.settings import RunSettings

# 300 customers, 3 months; the history ends on 2025-04-01 so that the nightly drops
# (2025-03-30 initial, then 03-31 and 04-01) cross a month end.
START = date(2025, 1, 2)
MONTHS = 3
NIGHTLY_DAYS = 2
CUSTOMERS = 300
SEED = 7


@dataclass
class Built:
    settings: RunSettings
    summaries: list  # BuildSummary per build
    drops: list[date]

    def connect(self) -> duckdb.DuckDBPyConnection:
        return duckdb.connect(str(self.settings.warehouse), read_only=True)


def _drop_dates(landing: Path) -> list[date]:
    return sorted(date.fromisoformat(p.name) for p in (landing / "erp").iterdir() if p.is_dir())


@pytest.fixture(scope="session", autouse=True)
def frozen_dbt_project(tmp_path_factory: pytest.TempPathFactory):
    """Build every warehouse of the session from one copy of the dbt project: other
    engineers edit the shared checkout while the tests run."""
    from klantwaarde.settings import DBT_PROJECT_DIR

    copy = tmp_path_factory.mktemp("dbt") / "dbt_project"
    shutil.copytree(
        DBT_PROJECT_DIR, copy, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages")
    )
    saved = os.environ.get("KLANTWAARDE_DBT_PROJECT_DIR")
    os.environ["KLANTWAARDE_DBT_PROJECT_DIR"] = str(copy)
    yield copy
    if saved is None:
        os.environ.pop("KLANTWAARDE_DBT_PROJECT_DIR", None)
    else:
        os.environ["KLANTWAARDE_DBT_PROJECT_DIR"] = saved


@pytest.fixture(scope="session")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from klantwaarde.generate import generate

    out = tmp_path_factory.mktemp("warehouse") / "landing"
    generate(
        out=out,
        customers=CUSTOMERS,
        months=MONTHS,
        seed=SEED,
        start=START,
        nightly_days=NIGHTLY_DAYS,
    )
    return out


def _load_and_build(settings: RunSettings, *, pass_touched_from: bool = True) -> object:
    from klantwaarde.build import build
    from klantwaarde.load import ensure_schemas, load_landing

    settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(settings.warehouse))
    try:
        ensure_schemas(con)
        loaded = load_landing(con, settings.landing, settings.as_of)
    finally:
        con.close()
    return build(settings, loaded.touched_from if pass_touched_from else None)


@pytest.fixture(scope="session")
def full_build(landing: Path, tmp_path_factory: pytest.TempPathFactory) -> Built:
    """Every drop loaded at once, one build with dbt's --full-refresh (every month)."""
    drops = _drop_dates(landing)
    settings = RunSettings(
        landing=landing,
        warehouse=tmp_path_factory.mktemp("full") / "warehouse.duckdb",
        as_of=drops[-1],
        full_refresh=True,
    )
    return Built(settings, [_load_and_build(settings)], drops)


@pytest.fixture(scope="session")
def nightly_build(landing: Path, tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The drops loaded night by night, an incremental build after each. The build
    derives the months to rebuild itself (the loader's touched_from is only a lower
    bound on top, and a wide one: it would make every night rebuild everything)."""
    drops = _drop_dates(landing)
    warehouse = tmp_path_factory.mktemp("nightly") / "warehouse.duckdb"
    summaries = []
    for night in drops:
        settings = RunSettings(landing=landing, warehouse=warehouse, as_of=night)
        summaries.append(_load_and_build(settings, pass_touched_from=False))
    return Built(settings, summaries, drops)
