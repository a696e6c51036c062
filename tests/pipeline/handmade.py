"""A hand-made working warehouse with a tiny `mart` schema, for the fast tests."""

from __future__ import annotations

from pathlib import Path

import duckdb


def make_warehouse(path: Path, *, revenue: str = "100.00", imbalance: str = "0.00") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    try:
        con.execute("create schema if not exists mart")
        con.execute("create schema if not exists raw_erp")
        con.execute("create or replace table raw_erp.secret as select 'not for BI' as x")
        con.execute(
            """
            create or replace table mart.fct_customer_profitability as
            select 1 as customer_key, date '2025-01-01' as period_month,
                   cast(? as decimal(18,2)) as revenue
            """,
            [revenue],
        )
        con.execute("comment on table mart.fct_customer_profitability is 'one row per customer'")
        con.execute(
            """
            create or replace table mart.reconciliation_ledger (
                period_month date, cost_pool varchar, ledger_amount decimal(18,2),
                allocated_amount decimal(18,2), unallocated_amount decimal(18,2),
                difference decimal(18,2))
            """
        )
        con.execute(
            """
            insert into mart.reconciliation_ledger values
              (date '2025-01-01', 'field_sales', 100.00, 90.00, 10.00, 0.00),
              (date '2025-02-01', 'field_sales', 50.00, 50.00, 0.00, 0.00),
              (date '2025-02-01', 'invoicing', 20.00, 20.00, 0.00, 0.00)
            """
        )
        con.execute(
            """
            update mart.reconciliation_ledger
               set allocated_amount = allocated_amount - cast(? as decimal(18,2)),
                   difference = cast(? as decimal(18,2))
             where cost_pool = 'invoicing'
            """,
            [imbalance, imbalance],
        )
        con.execute("create or replace view mart.v_revenue as select sum(revenue) as r "
                    "from mart.fct_customer_profitability")
    finally:
        con.close()
