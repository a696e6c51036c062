"""Nights move forward: an earlier as-of date stops, or with --full-refresh restates all."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest

from klantwaarde.nights import as_of_tables
from klantwaarde.pipeline import run
from klantwaarde.settings import RunSettings

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from klantwaarde.generate import generate

    out = tmp_path_factory.mktemp("night_order") / "landing"
    generate(out=out, customers=60, months=2, seed=5, start=date(2025, 5, 1), nightly_days=2)
    return out


def _nights(landing: Path) -> list[date]:
    return sorted(date.fromisoformat(p.name) for p in (landing / "erp").iterdir())


def _cli_run(landing: Path, warehouse: Path, as_of: date, *extra: str):
    return subprocess.run(
        [sys.executable, "-m", "klantwaarde.cli", "run", "--landing", str(landing),
         "--warehouse", str(warehouse), "--as-of", as_of.isoformat(), *extra],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip


def _as_of_rows(published: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(published), read_only=True)
    try:
        return {
            table: con.execute(f'select * from mart."{table}" order by all').fetchall()
            for table in as_of_tables(con)
        }
    finally:
        con.close()


def test_an_earlier_night_stops_then_restates_everything_as_of_that_date(landing, tmp_path):
    *_, earlier, last = _nights(landing)
    warehouse = tmp_path / "wh" / "warehouse.duckdb"
    run(RunSettings(landing=landing, warehouse=warehouse, as_of=last))
    published = warehouse.parent / "published" / "klantwaarde_mart.duckdb"
    before = published.read_bytes()

    stopped = _cli_run(landing, warehouse, earlier)
    assert stopped.returncode == 2
    assert stopped.stderr.strip().splitlines() == [
        f"klantwaarde run: as-of date {earlier} is before the last night built, {last}: "
        f"a night does not move the mart back; run it with --full-refresh (DAG param "
        f"full_refresh) to restate everything as of {earlier}"
    ]
    assert published.read_bytes() == before  # nothing was published

    restated = run(
        RunSettings(landing=landing, warehouse=warehouse, as_of=earlier, full_refresh=True)
    )
    assert restated.steps["load"]["restated_from"] == last.isoformat()
    tables = _as_of_rows(published)
    assert tables["customer_segments"]
    con = duckdb.connect(str(published), read_only=True)
    try:
        for table in tables:
            dates = con.execute(f'select distinct as_of_date from mart."{table}"').fetchall()
            assert set(dates) <= {(earlier,)}, table
    finally:
        con.close()

    # the same night once more is harmless
    again = _cli_run(landing, warehouse, earlier)
    assert again.returncode == 0, again.stderr
    assert _as_of_rows(published) == tables

    # what a fresh warehouse publishes for that night, table by table
    fresh = tmp_path / "fresh" / "warehouse.duckdb"
    run(RunSettings(landing=landing, warehouse=fresh, as_of=earlier, full_refresh=True))
    assert _as_of_rows(fresh.parent / "published" / "klantwaarde_mart.duckdb") == tables
