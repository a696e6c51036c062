# ruff: noqa: E501  (the doc_md table and the hand-made SQL are easier to read unwrapped)
"""A hand-made working warehouse with a tiny `mart` schema, for the fast tests."""

from __future__ import annotations

from pathlib import Path

import duckdb

QUARANTINED_GL_SQL = """
create or replace table mart.quarantined_gl_entries (
    quarantine_id varchar, source_file varchar, source_line_no bigint, entry_no varchar,
    posting_date date, period_month date, account_no varchar, cost_center varchar,
    cost_pool varchar, amount decimal(18,2), amount_text varchar, quarantine_reason varchar,
    extract_date date)
"""


def quarantine_posting(path: Path, line_no: int, amount: str | None) -> None:
    """Hold one field_sales posting of 2025-02 in quarantine (`amount` None: unreadable)."""
    con = duckdb.connect(str(path))
    try:
        con.execute(
            """
            insert into mart.quarantined_gl_entries values (
                'erp/2025-02-28/gl_entries.csv:' || ?, 'erp/2025-02-28/gl_entries.csv', ?,
                'G' || ?, date '2025-02-27', date '2025-02-01', '4300', 'SALES',
                'field_sales', cast(? as decimal(18,2)), case when ? is null then 'n/a' end,
                'amount: not a DECIMAL(18,2)', date '2025-02-28')
            """,
            [line_no, line_no, line_no, amount, amount],
        )
    finally:
        con.close()


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
                difference decimal(18,2), quarantined_amount decimal(18,2),
                reconciliation_status varchar)
            """
        )
        con.execute(
            """
            insert into mart.reconciliation_ledger values
              (date '2025-01-01', 'field_sales', 100.00, 90.00, 10.00, 0.00, 0.00, 'balanced'),
              (date '2025-02-01', 'field_sales', 50.00, 50.00, 0.00, 0.00, 0.00, 'balanced'),
              (date '2025-02-01', 'invoicing', 20.00, 20.00, 0.00, 0.00, 0.00, 'balanced')
            """
        )
        con.execute(QUARANTINED_GL_SQL)
        con.execute(
            """
            create or replace table mart.ledger_months as
            select * from (values (date '2025-01-01', 'closed'), (date '2025-02-01', 'closed'))
                as t(period_month, month_status)
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
        con.execute(
            "create or replace view mart.v_revenue as select sum(revenue) as r "
            "from mart.fct_customer_profitability"
        )
    finally:
        con.close()


FULL_MART_SQL = """
create schema if not exists mart;
create schema if not exists staging;
create schema if not exists seeds;
create or replace table seeds.cost_pools as
  select * from (values ('field_sales', 'cost_to_serve'), ('bad_debt', 'credit'))
  as t(cost_pool, cost_class);
create or replace table staging.stg_erp__customers as
  select * from (values ('C1', 'Alfa BV'), ('C2', 'Beta NV'), ('C3', 'Gamma')) t(customer_no, customer_name);
create or replace table staging.stg_erp__invoice_lines as
  select * from (values
    (date '2025-01-01', cast(100.00 as decimal(18,2))),
    (date '2025-01-01', cast(50.00 as decimal(18,2))),
    (date '2025-02-01', cast(70.00 as decimal(18,2)))) t(invoice_month, net_amount_eur);
create or replace table mart.bridge_customer_source as
  select * from (values
    ('erp', 'C1', 1), ('erp', 'C2', 2), ('erp', 'C3', 3),
    ('crm', 'A-1', 1), ('crm', 'A-2', 2), ('servicedesk', '77', 3)) t(system, source_id, customer_key);
create or replace table mart.dim_customer as
  select * from (values
    (1, 'Alfa BV', 'C1', 'A-1', true),
    (2, 'Beta NV', 'C2', 'A-2', false),
    (3, 'Gamma', 'C3', null, false)) t(customer_key, customer_name, erp_customer_no, crm_account_id, is_active_crm);
create or replace table mart.fct_customer_value_window as
  select * from (values
    (1, date '2025-02-28', true), (2, date '2025-02-28', false), (3, date '2025-02-28', true))
  t(customer_key, as_of_date, is_active);
create or replace table mart.fct_customer_profitability as
  select customer_key, period_month, cast(revenue as decimal(18,2)) revenue,
         cast(cost_to_serve as decimal(18,2)) cost_to_serve, cast(credit_cost as decimal(18,2)) credit_cost
  from (values
    (1, date '2025-01-01', 100.00, 10.00, 0.00),
    (2, date '2025-01-01', 50.00, 0.00, 5.00),
    (1, date '2025-02-01', 70.00, 20.00, 0.00)) t(customer_key, period_month, revenue, cost_to_serve, credit_cost);
create or replace table mart.fct_cost_allocation as
  select customer_key, period_month, cost_pool, cast(allocated_amount as decimal(18,2)) allocated_amount
  from (values
    (1, date '2025-01-01', 'field_sales', 10.00),
    (2, date '2025-01-01', 'bad_debt', 5.00),
    (1, date '2025-02-01', 'field_sales', 20.00)) t(customer_key, period_month, cost_pool, allocated_amount);
create or replace table mart.reconciliation_ledger as
  select period_month, cost_pool, cast(l as decimal(18,2)) ledger_amount, cast(a as decimal(18,2)) allocated_amount,
         cast(u as decimal(18,2)) unallocated_amount, cast(l - a - u as decimal(18,2)) difference
  from (values
    (date '2025-01-01', 'field_sales', 12.00, 10.00, 2.00),
    (date '2025-01-01', 'bad_debt', 5.00, 5.00, 0.00),
    (date '2025-02-01', 'field_sales', 20.00, 20.00, 0.00)) t(period_month, cost_pool, l, a, u);
create or replace table mart.quarantined_gl_entries as
  select * from (values (null::varchar, null::decimal(18,2))) t(quarantine_id, amount) where false;
create or replace table mart.customer_segments as
  select customer_key, as_of_date, cast(r as decimal(18,2)) revenue_12m, cast(c as decimal(18,2)) contribution_12m,
         pareto_class, curry_tier, whitney_class
  from (values
    (1, date '2025-02-28', 170.00, 140.00, 'A', 'top', 'YYY'),
    (3, date '2025-02-28', 1.00, 1.00, 'B', 'big', 'NNY'),
    (2, date '2025-02-28', 0.00, 0.00, 'C', 'inactive', 'NNN'))
  t(customer_key, as_of_date, r, c, pareto_class, curry_tier, whitney_class);
"""


def make_full_mart(path: Path, plant: str | None = None) -> None:
    """A tiny but complete mart on which every GX concern passes, unless `plant` says."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    try:
        con.execute(FULL_MART_SQL)
        if plant == "email":
            con.execute(
                "update mart.customer_segments set curry_tier = 'jan@example.nl' "
                "where customer_key = 2"
            )
        elif plant == "disagree":
            con.execute("update mart.dim_customer set is_active_crm = not is_active_crm")
    finally:
        con.close()
