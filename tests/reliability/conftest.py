"""The reliability suite's fixtures: one small landing zone, and the marts an uninterrupted
run publishes for its last two nights, to compare every recovered or concurrent run with.

`make test` runs the fast cases; `make reliability` runs the long kill loop too
(marker `reliability`).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from mart_helpers import mart_rows

PUBLISHED = Path("published") / "klantwaarde_mart.duckdb"


@dataclass(frozen=True)
class Reference:
    landing: Path
    previous_night: date
    last_night: date
    after_previous: Path  # a warehouse folder as it stood after the previous night
    previous_mart: dict[str, list[tuple]]
    last_mart: dict[str, list[tuple]]
    night_seconds: float  # how long the uninterrupted last night took


def cli_run(landing: Path, warehouse: Path, night: date, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "klantwaarde.cli", "run", "--landing", str(landing),
         "--warehouse", str(warehouse), "--as-of", night.isoformat(), *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def run_to_end(landing: Path, warehouse: Path, night: date) -> subprocess.CompletedProcess:
    process = cli_run(landing, warehouse, night)
    out, err = process.communicate(timeout=900)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def copy_warehouse(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target / "warehouse.duckdb"


@pytest.fixture(scope="session")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Reference:
    from klantwaarde.generate import generate

    root = tmp_path_factory.mktemp("reliability")
    landing = root / "landing"
    generate(out=landing, customers=80, months=2, seed=3, start=date(2025, 4, 1), nightly_days=2)
    nights = sorted(date.fromisoformat(p.name) for p in (landing / "erp").iterdir())
    previous_night, last_night = nights[-2], nights[-1]
    warehouse = root / "reference" / "warehouse.duckdb"
    done = run_to_end(landing, warehouse, previous_night)
    assert done.returncode == 0, done.stderr
    after_previous = root / "after_previous"
    shutil.copytree(warehouse.parent, after_previous)
    previous_mart = mart_rows(warehouse.parent / PUBLISHED)
    started = time.monotonic()
    done = run_to_end(landing, warehouse, last_night)
    night_seconds = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    return Reference(
        landing=landing,
        previous_night=previous_night,
        last_night=last_night,
        after_previous=after_previous,
        previous_mart=previous_mart,
        last_mart=mart_rows(warehouse.parent / PUBLISHED),
        night_seconds=night_seconds,
    )
