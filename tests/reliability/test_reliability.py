"""Reliability: a killed run recovers to exactly the mart of an uninterrupted one, readers
never see a partial mart, and a full or read-only disk during publish leaves yesterday's
mart as it was, with a one-line reason.

Every case compares with the `reference` runs (conftest.py), table by table.
"""

from __future__ import annotations

import random
import re
import signal
import subprocess
import threading
import time
from pathlib import Path

import duckdb
import pytest

from .conftest import PUBLISHED, Reference, cli_run, copy_warehouse, run_to_end
from mart_helpers import mart_rows

pytestmark = pytest.mark.slow


def _kill_and_recover(reference: Reference, folder: Path, after: float) -> str:
    """Start the last night, SIGKILL it after `after` seconds, run it again; returns what
    the killed run had printed to stderr (empty when it was killed before it spoke)."""
    warehouse = copy_warehouse(reference.after_previous, folder)
    process = cli_run(reference.landing, warehouse, reference.last_night)
    time.sleep(after)
    process.send_signal(signal.SIGKILL)
    _, err = process.communicate(timeout=60)
    recovered = run_to_end(reference.landing, warehouse, reference.last_night)
    assert recovered.returncode == 0, recovered.stderr
    assert mart_rows(warehouse.parent / PUBLISHED) == reference.last_mart
    leftovers = [p.name for p in (warehouse.parent / "published").iterdir() if ".tmp" in p.name]
    assert leftovers == []
    return err


@pytest.mark.parametrize("share", [0.6, pytest.param(0.3, marks=pytest.mark.reliability)])
def test_a_night_killed_at_any_point_recovers_to_the_uninterrupted_mart(
    reference: Reference, tmp_path: Path, share: float
):
    _kill_and_recover(reference, tmp_path / "wh", share * reference.night_seconds)


@pytest.mark.reliability
def test_kill_loop(reference: Reference, tmp_path: Path):
    """`make reliability`: kill -9 at 12 random points of a night, recover, compare."""
    rng = random.Random(20261203)
    points = sorted(rng.uniform(0.05, 1.05) * reference.night_seconds for _ in range(12))
    for i, after in enumerate(points):
        _kill_and_recover(reference, tmp_path / f"wh{i}", after)
    print(f"kill loop: {len(points)} kills, all recovered to the uninterrupted mart")


def _snapshot(con: duckdb.DuckDBPyConnection) -> tuple:
    return con.execute(
        """
        select (select count(*) from mart.fct_customer_profitability),
               (select sum(revenue) from mart.fct_customer_profitability),
               (select count(*) from mart.customer_segments),
               (select max(as_of_date) from mart.customer_segments)
        """
    ).fetchone()


def _expected(mart: dict[str, list[tuple]], published: Path) -> tuple:
    con = duckdb.connect(str(published), read_only=True)
    try:
        return _snapshot(con)
    finally:
        con.close()


def test_readers_during_a_night_see_the_old_mart_or_the_new_one(
    reference: Reference, tmp_path: Path
):
    warehouse = copy_warehouse(reference.after_previous, tmp_path / "wh")
    published = warehouse.parent / PUBLISHED
    old = _expected(reference.previous_mart, published)
    seen: list[tuple] = []
    errors: list[str] = []
    stop = threading.Event()

    def reader() -> None:
        while not stop.is_set():
            try:
                con = duckdb.connect(str(published), read_only=True)
                try:
                    seen.append(_snapshot(con))
                finally:
                    con.close()
            except duckdb.Error as exc:  # a lock, a half-written file: never acceptable
                errors.append(str(exc).splitlines()[0])

    readers = [threading.Thread(target=reader, daemon=True) for _ in range(4)]
    for thread in readers:
        thread.start()
    done = run_to_end(reference.landing, warehouse, reference.last_night)
    time.sleep(0.5)
    stop.set()
    for thread in readers:
        thread.join(timeout=30)
    assert done.returncode == 0, done.stderr
    new = _expected(reference.last_mart, published)
    assert errors == []
    assert len(seen) > 20
    assert set(seen) <= {old, new}
    assert new in seen
    print(f"readers: {len(seen)} queries during the night, 0 errors")


def _mount_tmpfs(folder: Path, size_bytes: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_bytes}", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {done.stderr.strip()}")


def _umount(folder: Path) -> None:
    subprocess.run(["umount", "-l", str(folder)], check=False)


@pytest.mark.parametrize(
    "failure", ["disk full", pytest.param("read-only", marks=pytest.mark.reliability)]
)
def test_a_failed_publish_keeps_yesterdays_mart_and_says_why_in_one_line(
    reference: Reference, tmp_path: Path, failure: str
):
    warehouse = copy_warehouse(reference.after_previous, tmp_path / "wh")
    published_dir = warehouse.parent / "published"
    saved = tmp_path / "saved"
    published_dir.rename(saved)
    size = sum(p.stat().st_size for p in saved.rglob("*") if p.is_file())
    # room for yesterday's files, not for a second copy of the mart
    _mount_tmpfs(published_dir, size + size // 4 + 65536)
    try:
        subprocess.run(["cp", "-a", f"{saved}/.", str(published_dir)], check=True)
        before = (published_dir / "klantwaarde_mart.duckdb").read_bytes()
        if failure == "read-only":
            subprocess.run(["mount", "-o", "remount,ro", str(published_dir)], check=True)
        done = run_to_end(reference.landing, warehouse, reference.last_night)
        assert done.returncode != 0
        lines = done.stderr.strip().splitlines()
        reason = "No space left on device" if failure == "disk full" else "Read-only file system"
        assert len(lines) == 1, lines
        assert lines[0].startswith("klantwaarde run: publish failed: ")
        assert reason in lines[0]
        assert (published_dir / "klantwaarde_mart.duckdb").read_bytes() == before
        assert [p.name for p in published_dir.iterdir() if ".tmp" in p.name] == []
    finally:
        _umount(published_dir)


def test_a_full_disk_during_load_or_build_is_one_line(reference: Reference, tmp_path: Path):
    folder = tmp_path / "wh"
    _mount_tmpfs(folder, 4 * 2**20)
    try:
        done = run_to_end(reference.landing, folder / "warehouse.duckdb", reference.last_night)
    finally:
        _umount(folder)
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, lines[:5]
    assert re.match(r"klantwaarde run: [a-z ]+ failed: .*No space left on device", lines[0])
