"""End-to-end: generated drops → load → dbt build; the money of the mart reconciles."""

from __future__ import annotations

import duckdb
import pytest

pytestmark = pytest.mark.slow

MART_TABLES = (
    "fct_customer_profitability",
    "fct_cost_allocation",
    "reconciliation_ledger",
    "fct_allocation_trace",
    "fct_customer_activity",
    "fct_customer_value_window",
)


def test_full_refresh_rebuilds_everything(full_build):
    summary = full_build.summaries[0]
    assert summary.rebuild_from is None
    assert summary.full_refresh
    assert summary.reasons == ("full refresh requested",)
    assert summary.nodes_ok > 100


def test_dbt_connection_is_closed_after_build(full_build):
    # a read-write open fails while any other connection holds the file
    con = duckdb.connect(str(full_build.settings.warehouse))
    con.close()


def test_mart_tables_exist_with_rows(full_build):
    with full_build.connect() as con:
        for table in MART_TABLES:
            assert con.execute(f"select count(*) from mart.{table}").fetchone()[0] > 0, table


def test_every_pool_month_reconciles_to_the_cent(full_build):
    with full_build.connect() as con:
        off = con.execute(
            """select count(*) from mart.reconciliation_ledger
               where difference <> 0
                  or ledger_amount - allocated_amount - unallocated_amount <> 0"""
        ).fetchone()[0]
        ledger, gl = con.execute(
            """select (select sum(ledger_amount) from mart.reconciliation_ledger),
                      (select sum(amount) from staging.stg_erp__gl_entries
                        where account_no not in ('8000', '8100', '7000'))"""
        ).fetchone()
    assert off == 0
    assert ledger == gl


def test_money_columns_are_decimal_18_2(full_build):
    with full_build.connect() as con:
        types = dict(
            con.execute(
                """select column_name, data_type from information_schema.columns
                   where table_schema = 'mart' and table_name = 'fct_customer_profitability'"""
            ).fetchall()
        )
    money = ("revenue", "cogs", "gross_margin", "cost_to_serve", "credit_cost", "contribution")
    for column in money:
        assert types[column] == "DECIMAL(18,2)", column
    assert types["period_month"] == "DATE"


def test_mart_revenue_equals_invoice_lines_and_general_ledger(full_build):
    with full_build.connect() as con:
        mart, lines, gl = con.execute(
            """select (select sum(revenue) from mart.fct_customer_profitability),
                      (select sum(net_amount_eur) from intermediate.int_erp_invoice_lines_in_eur),
                      (select -sum(amount) from staging.stg_erp__gl_entries
                        where account_no in ('8000', '8100'))"""
        ).fetchone()
    assert mart == lines == gl


def test_time_driven_pools_leave_unused_capacity_unallocated(full_build):
    with full_build.connect() as con:
        rows = con.execute(
            """select cost_pool, period_month, ledger_amount, allocated_amount,
                      unallocated_amount, unallocated_reason
               from mart.reconciliation_ledger where method = 'time_driven'"""
        ).fetchall()
        # below capacity every source id pays (pool cost / practical capacity) x its
        # minutes, rounded to the cent (a customer the sum over its source ids: doc block
        # source_grain)
        overcharged = con.execute(
            """select count(*)
               from intermediate.int_cost_allocations as allocation
               inner join config.cost_pools as pool using (cost_pool)
               inner join mart.reconciliation_ledger as ledger using (period_month, cost_pool)
               where allocation.method = 'time_driven' and allocation.system is not null
                 and ledger.capacity_status = 'within_capacity'
                 and abs(allocation.allocated_amount - allocation.used_minutes
                         * ledger.ledger_amount / pool.practical_capacity_minutes) > 0.005"""
        ).fetchone()[0]
    assert {r[0] for r in rows} == {"field_sales", "inside_sales", "customer_service"}
    assert any(r[4] > 0 for r in rows)
    for pool, month, ledger, allocated, unallocated, reason in rows:
        assert 0 <= allocated <= ledger, (pool, month)
        assert unallocated == 0 or reason == "unused_capacity", (pool, month, reason)
    assert overcharged == 0


def test_sustaining_pools_are_unallocated_by_policy(full_build):
    with full_build.connect() as con:
        rows = con.execute(
            """select cost_pool, sum(allocated_amount), min(unallocated_reason)
               from mart.reconciliation_ledger where method = 'sustaining' group by cost_pool"""
        ).fetchall()
    assert {r[0] for r in rows} == {"marketing", "general_overhead"}
    assert all(r[1] == 0 and r[2] == "sustaining_by_policy" for r in rows)


def test_driver_share_pools_are_fully_allocated(full_build):
    with full_build.connect() as con:
        rows = con.execute(
            """select cost_pool, period_month, unallocated_amount from mart.reconciliation_ledger
               where method = 'driver_share' and unallocated_amount <> 0"""
        ).fetchall()
    assert rows == []


def test_cost_classes_add_up_to_profitability(full_build):
    with full_build.connect() as con:
        allocated, profit = con.execute(
            """select (select sum(allocated_amount) from mart.fct_cost_allocation),
                      (select sum(cost_to_serve + credit_cost)
                         from mart.fct_customer_profitability)"""
        ).fetchone()
        credit = con.execute(
            """select sum(allocated_amount) from mart.fct_cost_allocation
               where cost_pool not in ('bad_debt', 'financing') and cost_class = 'credit'"""
        ).fetchone()[0]
    assert allocated == profit
    assert credit is None


def test_every_fact_customer_is_in_dim_customer(full_build):
    with full_build.connect() as con:
        orphans = con.execute(
            """select count(*) from mart.fct_customer_profitability as fact
               anti join mart.dim_customer as dim on fact.customer_key = dim.customer_key"""
        ).fetchone()[0]
    assert orphans == 0


def test_value_window_defines_active_once(full_build):
    with full_build.connect() as con:
        n, active, wrong, as_of = con.execute(
            """select count(*), count(*) filter (where is_active),
                      count(*) filter (where is_active <> (revenue_12m > 0)), min(as_of_date)
               from mart.fct_customer_value_window"""
        ).fetchone()
        customers = con.execute("select count(*) from mart.dim_customer").fetchone()[0]
    assert n == customers
    assert 0 < active < n
    assert wrong == 0
    assert as_of == full_build.settings.as_of


def test_no_personal_data_in_the_finance_mart(full_build):
    with full_build.connect() as con:
        columns = {
            row[0]
            for row in con.execute(
                "select column_name from information_schema.columns where table_schema = 'mart'"
            ).fetchall()
        }
    assert not {c for c in columns if "email" in c}
