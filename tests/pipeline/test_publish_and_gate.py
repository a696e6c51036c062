"""Publish and the reconciliation gate on a hand-made warehouse (fast, no dbt)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from klantwaarde.errors import ReconciliationError
from klantwaarde.publish import publish
from klantwaarde.reconcile import reconcile
from klantwaarde.settings import RunSettings

from .handmade import make_warehouse


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
        "period_month,cost_pool,ledger_amount,allocated_amount,unallocated_amount,difference",
        "2025-01-01,field_sales,100.00,90.00,10.00,0.00",
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
