"""Publish and the reconciliation gate on a hand-made warehouse (fast, no dbt)."""

from __future__ import annotations

import os
import subprocess
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from klantwaarde.errors import ReconciliationError
from klantwaarde.publish import publish
from klantwaarde.reconcile import reconcile
from klantwaarde.settings import RunSettings

from .handmade import make_warehouse, quarantine_posting


def _settings(tmp_path: Path) -> RunSettings:
    return RunSettings(
        landing=tmp_path / "landing",
        warehouse=tmp_path / "wh" / "kw.duckdb",
        as_of=date(2025, 2, 28),
    )


def test_gate_passes_when_balanced(tmp_path):
    settings = _settings(tmp_path)
    make_warehouse(settings.warehouse)
    summary = reconcile(settings)
    assert summary.rows == 3 and summary.months == 2 and summary.pools == 2


def test_gate_names_pool_and_month_of_one_cent(tmp_path):
    settings = _settings(tmp_path)
    make_warehouse(settings.warehouse, imbalance="0.01")
    with pytest.raises(ReconciliationError, match=r"pool invoicing month 2025-02 .*0\.01"):
        reconcile(settings)


def test_gate_stops_on_gl_money_in_quarantine_naming_the_first_posting(tmp_path):
    settings = _settings(tmp_path)
    make_warehouse(settings.warehouse)
    quarantine_posting(settings.warehouse, 17, "12252.81")
    with pytest.raises(ReconciliationError) as stopped:
        reconcile(settings)
    assert str(stopped.value) == (
        "reconciliation gate: 12252.81 EUR of GL money in quarantine (1 posting); the first "
        "is erp/2025-02-28/gl_entries.csv line 17 (12252.81 EUR, pool field_sales, 2025-02); "
        "correct it in a later drop, or publish with --release-quarantined-gl "
        "(DAG param release_quarantined_gl)"
    )


def test_released_quarantined_money_passes_and_says_so(tmp_path):
    settings = replace(_settings(tmp_path), release_quarantined_gl=True)
    make_warehouse(settings.warehouse)
    quarantine_posting(settings.warehouse, 17, "12252.81")
    quarantine_posting(settings.warehouse, 18, None)
    summary = reconcile(settings)
    assert summary.status == (
        "balanced: 3 pool-months, difference 0.00 everywhere; published with 12252.81 EUR "
        "of GL money in quarantine (2 postings, 1 with an unreadable amount), released"
    )


def test_quarantined_money_within_the_limit_passes_unless_an_amount_is_unreadable(tmp_path):
    settings = replace(_settings(tmp_path), quarantined_gl_limit=Decimal("10.00"))
    make_warehouse(settings.warehouse)
    quarantine_posting(settings.warehouse, 17, "-4.00")
    quarantine_posting(settings.warehouse, 18, "6.00")
    assert reconcile(settings).quarantined.absolute_amount == Decimal("10.00")
    quarantine_posting(settings.warehouse, 19, "0.01")
    with pytest.raises(
        ReconciliationError,
        match=r"2\.01 EUR of GL money in quarantine \(3 postings\); the first is .* line 17 ",
    ):
        reconcile(settings)
    settings = replace(settings, quarantined_gl_limit=Decimal("1000"))
    quarantine_posting(settings.warehouse, 20, None)
    with pytest.raises(ReconciliationError, match="1 with an unreadable amount"):
        reconcile(settings)


def test_publish_copies_only_the_mart_and_writes_csvs(tmp_path):
    settings = _settings(tmp_path)
    make_warehouse(settings.warehouse)
    summary = publish(settings)
    assert Path(summary.published_path) == settings.published_path
    con = duckdb.connect(str(settings.published_path), read_only=True)
    try:
        schemas = {
            r[0] for r in con.execute("select distinct schema_name from duckdb_tables()").fetchall()
        }
        assert schemas == {"mart", "meta"}  # meta: only which build this file reflects
        assert con.execute(
            "select table_name from duckdb_tables() where schema_name = 'meta'"
        ).fetchall() == [("publication",)]
        assert con.execute("select r from mart.v_revenue").fetchone()[0] == 100
        comment = con.execute(
            "select comment from duckdb_tables() where table_name = 'fct_customer_profitability'"
        ).fetchone()[0]
        assert comment == "one row per customer"
    finally:
        con.close()
    assert sorted(p.name for p in settings.reconciliation_dir.iterdir()) == [
        "2025-01.csv",
        "2025-02.csv",
    ]
    text = (settings.reconciliation_dir / "2025-01.csv").read_text().splitlines()
    assert text == [
        "period_month,cost_pool,ledger_amount,allocated_amount,unallocated_amount,difference,"
        "quarantined_amount,reconciliation_status",
        "2025-01-01,field_sales,100.00,90.00,10.00,0.00,0.00,balanced",
    ]
    leftovers = [p.name for p in settings.published_dir.iterdir() if p.name.startswith(".")]
    assert leftovers == []


def test_reader_on_old_file_is_not_locked_out(tmp_path):
    settings = _settings(tmp_path)
    make_warehouse(settings.warehouse, revenue="100.00")
    publish(settings)
    reader = duckdb.connect(str(settings.published_path), read_only=True)
    try:
        make_warehouse(settings.warehouse, revenue="250.00")
        publish(settings)  # no lock error although a reader holds the old file
        old = reader.execute("select revenue from mart.fct_customer_profitability").fetchone()
        assert str(old[0]) == "100.00"
    finally:
        reader.close()
    fresh = duckdb.connect(str(settings.published_path), read_only=True)
    try:
        new = fresh.execute("select revenue from mart.fct_customer_profitability").fetchone()
        assert str(new[0]) == "250.00"
    finally:
        fresh.close()


def test_publish_removes_what_a_killed_publish_left_behind(tmp_path):
    settings = _settings(tmp_path)
    make_warehouse(settings.warehouse)
    publish(settings)
    finished = subprocess.Popen(["true"])
    finished.wait()
    dead = settings.published_dir / f".klantwaarde_mart.{finished.pid}.0a1b.duckdb.tmp"
    dead_wal = Path(f"{dead}.wal")
    running = settings.published_dir / f".klantwaarde_mart.{os.getppid()}.0a1b.duckdb.tmp"
    csv_temp = settings.reconciliation_dir / ".2025-01.0a1b2c.tmp"
    for path in (dead, dead_wal, running, csv_temp):
        path.write_bytes(b"left behind")
    publish(settings)
    assert not dead.exists() and not dead_wal.exists() and not csv_temp.exists()
    assert running.exists()  # its process is alive: maybe still writing
