"""Hand-made mart tables in a real DuckDB file, for the segmentation tests.

`build_mart(path, customers, months=...)` creates `mart.dim_customer`,
`mart.fct_customer_value_window`, `mart.fct_customer_profitability` and
`mart.fct_customer_activity` with the columns and types of the dbt models, from short
dicts: a customer dict needs only `key`; everything else has a default.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

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
    with duckdb.connect(str(path)) as con:
        if replace:
            con.execute(DDL)
            con.executemany(
                "insert into mart.dim_customer values (?, ?, null, null, null, 'test', 'NL', "
                "null, ?, ?, ?, ?, ?, true)",
                [
                    [
                        c["key"],
                        f"Customer {c['key']}",
                        c["customer_type"],
                        c["strategic_importance"] is not None,
                        c["is_unassigned"],
                        c["strategic_importance"],
                        c["open_pipeline_weighted"],
                    ]
                    for c in customers
                ],
            )
        con.executemany(
            "insert into mart.fct_customer_value_window values "
            "(?, ?, ?, 0, 0, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                [
                    c["key"],
                    as_of,
                    c["revenue"],
                    c["contribution"],
                    c["revenue_prev"],
                    c["effort"],
                    c["visits"],
                    c["rated"],
                    c["good"],
                    c["first"],
                    c["last"],
                    c["has_bought"],
                    c["is_active"],
                ]
                for c in customers
            ],
        )
        months = list(months)
        if months:
            con.executemany(
                "insert into mart.fct_customer_profitability values (?, ?, ?, 0, ?, 0, 0, ?)",
                [[k, m, Decimal(r), Decimal(r), Decimal(c)] for k, m, r, c in months],
            )


@pytest.fixture
def mart(tmp_path: Path) -> Callable[..., Path]:
    """Factory: mart(customers, **kwargs) -> path of a DuckDB file with those tables."""
    path = tmp_path / "warehouse.duckdb"

    def make(customers: Iterable[dict], **kwargs) -> Path:
        build_mart(path, customers, **kwargs)
        return path

    return make
