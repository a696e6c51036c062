"""Measure the finance mart of a built warehouse (not a test; a report for humans).

    .venv/bin/python tests/warehouse/measure_finance.py WAREHOUSE.duckdb

Prints the share of each cost pool allocated to customers, the reconciliation status,
and whale-curve facts on the 12-month value window (cumulative contribution of
customers sorted by contribution, best first).
"""

from __future__ import annotations

import sys

import duckdb

POOL_SHARES = """
select cost_pool, method, cost_class,
       sum(ledger_amount) as ledger,
       sum(allocated_amount) as allocated,
       sum(unallocated_amount) as unallocated,
       round(100 * sum(allocated_amount) / nullif(sum(ledger_amount), 0), 1) as pct_allocated,
       string_agg(distinct unallocated_reason, ',') as reasons
from mart.reconciliation_ledger
group by all
order by method, cost_pool
"""

TOTALS = """
select sum(ledger_amount), sum(allocated_amount), sum(unallocated_amount),
       round(100 * sum(allocated_amount) / sum(ledger_amount), 1),
       count(*) filter (where difference <> 0)
from mart.reconciliation_ledger
"""

PROFIT = """
select sum(revenue), sum(cogs), sum(gross_margin), sum(cost_to_serve), sum(credit_cost),
       sum(contribution), count(distinct customer_key), count(distinct period_month)
from mart.fct_customer_profitability
"""

WHALE = """
with customers as (
    select customer_key, contribution_12m, revenue_12m
    from mart.fct_customer_value_window
    where is_active
),
ranked as (
    select *,
           row_number() over (order by contribution_12m desc, customer_key) as rank_no,
           count(*) over () as n,
           sum(contribution_12m) over (
               order by contribution_12m desc, customer_key rows unbounded preceding
           ) as cumulative
    from customers
)
select
    max(n) as active_customers,
    sum(contribution_12m) as total_contribution,
    max(cumulative) as peak_contribution,
    round(100 * max(cumulative) / sum(contribution_12m), 1) as peak_pct_of_total,
    arg_max(rank_no, cumulative) as customers_at_peak,
    round(100 * arg_max(rank_no, cumulative) / max(n), 1) as pct_customers_at_peak,
    count(*) filter (where contribution_12m < 0) as loss_making_customers,
    sum(contribution_12m) filter (where contribution_12m < 0) as contribution_lost,
    round(100 * sum(revenue_12m) filter (where rank_no <= 0.2 * n)
          / sum(revenue_12m), 1) as pct_revenue_top20_by_contribution
from ranked
"""


def _table(con: duckdb.DuckDBPyConnection, sql: str) -> str:
    return con.execute(sql).fetchdf().to_string(index=False)


def main(path: str) -> None:
    con = duckdb.connect(path, read_only=True)
    try:
        print("cost pools (all months):")
        print(_table(con, POOL_SHARES))
        ledger, allocated, unallocated, pct, off = con.execute(TOTALS).fetchone()
        print(
            f"ledger {ledger} = allocated {allocated} ({pct} %) + unallocated {unallocated};"
            f" pool-months off: {off}"
        )
        print("profitability (all months):")
        print(_table(con, PROFIT))
        print("whale curve (12-month window, active customers):")
        print(_table(con, WHALE))
    finally:
        con.close()


if __name__ == "__main__":
    main(sys.argv[1])
