"""A company whose ERP exports invoices but no GL entries (contracts §7): the run
publishes revenue, segments and future value, and says that the ledger is empty."""

from __future__ import annotations

from datetime import date

import duckdb

from klantwaarde.cli import main
from klantwaarde.demo import complete_nights
from klantwaarde.generate import generate


def test_a_ledger_without_postings_publishes_and_says_so(tmp_path, capsys) -> None:
    landing = tmp_path / "landing"
    generate(
        out=landing, customers=120, months=4, seed=5, start=date(2024, 11, 4), with_ledger=False
    )
    night = complete_nights(landing)[-1]
    warehouse = tmp_path / "wh" / "klantwaarde.duckdb"
    code = main(
        ["run", "--landing", str(landing), "--warehouse", str(warehouse),
         "--as-of", night.isoformat(), "--quiet"]
    )  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0
    assert "reconciliation: the ledger is empty: no GL cost postings" in out
    assert "balanced" not in out
    published = warehouse.parent / "published"
    with duckdb.connect(str(published / "klantwaarde_mart.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from mart.reconciliation_ledger").fetchone() == (0,)
        statuses = con.execute("select distinct month_status from mart.ledger_months").fetchall()
        assert statuses == [("no_ledger",)]
        revenue, cost, closed = con.execute(
            "select sum(revenue), sum(abs(cost_to_serve) + abs(credit_cost)),"
            " bool_or(is_month_closed) from mart.fct_customer_profitability"
        ).fetchone()
        assert revenue > 0 and cost == 0 and closed is False
        for table in ("customer_segments", "customer_lifetime_value"):
            n = con.execute(
                f"select count(*) from mart.{table} where as_of_date = ?", [night]
            ).fetchone()[0]
            assert n > 0, table
    report = (published / "report" / "index.html").read_text(encoding="utf-8")
    assert 'data-figure="ledger_empty"' in report
    assert 'data-table="reconciliation"' not in report
