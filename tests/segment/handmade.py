"""Hand-made mart tables in a real DuckDB file, for the segmentation tests.

`build_mart(path, customers, months=...)` creates `mart.dim_customer`,
`mart.fct_customer_value_window`, `mart.fct_customer_profitability` and
`mart.fct_customer_activity` with the columns and types of the dbt models, from short
dicts: a customer dict needs only `key`; everything else has a default.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd

AS_OF = date(2026, 6, 30)

DDL = """
create schema if not exists mart;
create or replace table mart.dim_customer (
    customer_key varchar, customer_name varchar, erp_customer_no varchar,
    crm_account_id varchar, servicedesk_org_id varchar, match_method varchar,
    country_code varchar, industry varchar, customer_type varchar, is_strategic boolean,
    is_unassigned boolean, strategic_importance varchar,
    open_pipeline_weighted decimal(18,2), is_active_crm boolean
);
create or replace table mart.fct_customer_value_window (
    customer_key varchar, as_of_date date, revenue_12m decimal(18,2),
    cogs_12m decimal(18,2), cost_to_serve_12m decimal(18,2), credit_cost_12m decimal(18,2),
    contribution_12m decimal(18,2), revenue_prev_12m decimal(18,2),
    effort_minutes_12m bigint, visits_12m bigint, tickets_rated_12m bigint,
    tickets_good_12m bigint, first_invoice_date date, last_invoice_date date,
    has_bought boolean, is_active boolean
);
create or replace table mart.fct_customer_profitability (
    customer_key varchar, period_month date, revenue decimal(18,2), cogs decimal(18,2),
    gross_margin decimal(18,2), cost_to_serve decimal(18,2), credit_cost decimal(18,2),
    contribution decimal(18,2)
);
create or replace table mart.fct_customer_activity (
    customer_key varchar, period_month date, visit_count bigint, visit_minutes bigint,
    call_count bigint, call_minutes bigint, ticket_count bigint, ticket_minutes bigint,
    tickets_rated bigint, tickets_good bigint
);
"""


def customer(key: str, **fields) -> dict:
    """A customer row with defaults: an active customer with 1,000.00 revenue, no costs."""
    revenue = Decimal(str(fields.pop("revenue", "1000.00")))
    contribution = Decimal(str(fields.pop("contribution", revenue)))
    row = {
        "key": key,
        "customer_type": "customer",
        "is_unassigned": False,
        "strategic_importance": None,
        "open_pipeline_weighted": Decimal("0.00"),
        "revenue": revenue,
        "contribution": contribution,
        "revenue_prev": revenue,
        "effort": 0,
        "visits": 0,
        "rated": 0,
        "good": 0,
        "first": date(2024, 1, 15),
        "last": date(2026, 6, 15) if revenue > 0 else None,
        "has_bought": None,
        "is_active": None,
    }
    row.update(fields)
    if row["has_bought"] is None:
        row["has_bought"] = row["last"] is not None
    if row["is_active"] is None:
        row["is_active"] = row["revenue"] > 0
    if not row["has_bought"]:
        row["first"] = None
        row["last"] = None
    return row


def build_mart(
    path: Path,
    customers: Iterable[dict],
    as_of: date = AS_OF,
    months: Iterable[tuple[str, date, str, str]] = (),
    replace: bool = True,
) -> None:
    """Write the mart; `months` are (key, period_month, revenue, contribution) rows.
    With replace=False the value window rows are added for another as-of date."""
    customers = list(customers)
    dim = pd.DataFrame(
        {
            "customer_key": [c["key"] for c in customers],
            "customer_name": [f"Customer {c['key']}" for c in customers],
            "customer_type": [c["customer_type"] for c in customers],
            "is_strategic": [c["strategic_importance"] is not None for c in customers],
            "is_unassigned": [c["is_unassigned"] for c in customers],
            "strategic_importance": pd.Series(
                [c["strategic_importance"] for c in customers], dtype=object
            ),
            "open_pipeline_weighted": [str(c["open_pipeline_weighted"]) for c in customers],
        }
    )
    window = pd.DataFrame(
        {
            "customer_key": [c["key"] for c in customers],
            "revenue_12m": [str(c["revenue"]) for c in customers],
            "contribution_12m": [str(c["contribution"]) for c in customers],
            "revenue_prev_12m": [str(c["revenue_prev"]) for c in customers],
            "effort": [c["effort"] for c in customers],
            "visits": [c["visits"] for c in customers],
            "rated": [c["rated"] for c in customers],
            "good": [c["good"] for c in customers],
            "first": pd.Series([c["first"] for c in customers], dtype=object),
            "last": pd.Series([c["last"] for c in customers], dtype=object),
            "has_bought": [c["has_bought"] for c in customers],
            "is_active": [c["is_active"] for c in customers],
        }
    )
    profitability = pd.DataFrame(
        [(k, m, str(r), str(c)) for k, m, r, c in months],
        columns=["customer_key", "period_month", "revenue", "contribution"],
    ).astype({"revenue": object, "contribution": object})
    with duckdb.connect(str(path)) as con:
        con.register("dim", dim)
        con.register("window_rows", window)
        con.register("profitability", profitability)
        if replace:
            con.execute(DDL)
            con.execute(
                """
                insert into mart.dim_customer
                select customer_key, customer_name, null, null, null, 'test', 'NL', null,
                    customer_type, is_strategic, is_unassigned, strategic_importance,
                    cast(open_pipeline_weighted as decimal(18,2)), true
                from dim
                """
            )
        con.execute(
            """
            insert into mart.fct_customer_value_window
            select customer_key, cast($as_of as date), cast(revenue_12m as decimal(18,2)),
                0, 0, 0, cast(contribution_12m as decimal(18,2)),
                cast(revenue_prev_12m as decimal(18,2)), effort, visits, rated, good,
                cast(first as date), cast(last as date), has_bought, is_active
            from window_rows
            """,
            {"as_of": as_of},
        )
        if not profitability.empty:
            con.execute(
                """
                insert into mart.fct_customer_profitability
                select customer_key, cast(period_month as date),
                    cast(revenue as decimal(18,2)), 0, cast(revenue as decimal(18,2)), 0, 0,
                    cast(contribution as decimal(18,2))
                from profitability
                """
            )


def segment_rows(path: Path, table: str, as_of: date = AS_OF) -> dict:
    """{customer_key: row dict} of a per-customer output table."""
    with duckdb.connect(str(path)) as con:
        frame = con.execute(
            f"select * from mart.{table} where as_of_date = ? order by customer_key", [as_of]
        ).df()
    return {row["customer_key"]: row for row in frame.to_dict("records")}
