"""Read the mart tables segmentation needs, for one as-of date, into pandas.

Money arrives as DECIMAL(18,2) and is read as exact integer cents (`<column>_cents`,
int64), so that every sum, share and rank below is exact and vectorised; the write step
turns cents back into DECIMAL(18,2). Nothing goes through binary floating point.

The unassigned member (`is_unassigned`, or `customer_type = 'unassigned'`) is read
with the rest and flagged: it is kept out of the segmentation but reported in the
summaries. Customers in `dim_customer` without a value-window row for the date are
customers with nothing in the window (zeros, never bought unless the window says so).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import pandas as pd

from klantwaarde.segment.errors import SegmentError

DIM = "dim_customer"
WINDOW = "fct_customer_value_window"
PROFITABILITY = "fct_customer_profitability"

REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    DIM: ("customer_key", "customer_type", "strategic_importance", "open_pipeline_weighted"),
    WINDOW: (
        "customer_key",
        "as_of_date",
        "revenue_12m",
        "cogs_12m",
        "cost_to_serve_12m",
        "credit_cost_12m",
        "contribution_12m",
        "revenue_prev_12m",
        "effort_minutes_12m",
        "visits_12m",
        "tickets_rated_12m",
        "tickets_good_12m",
        "first_invoice_date",
        "last_invoice_date",
        "has_bought",
        "is_active",
    ),
    PROFITABILITY: ("customer_key", "period_month", "revenue", "contribution"),
}

WINDOW_MONEY = (
    "revenue_12m",
    "cogs_12m",
    "cost_to_serve_12m",
    "credit_cost_12m",
    "contribution_12m",
    "revenue_prev_12m",
)


@dataclass(frozen=True)
class MartInputs:
    """`customers`: one row per dim_customer member, window figures in cents."""

    customers: pd.DataFrame
    customer_key_type: str


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    rows = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = 'mart' and table_name = ? order by ordinal_position",
        [table],
    ).fetchall()
    return {name: dtype for name, dtype in rows}


def check_inputs(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, str]]:
    """Every input table exists with the columns used; raise SegmentError naming what is not."""
    found = {}
    for table, required in REQUIRED_COLUMNS.items():
        columns = _columns(con, table)
        if not columns:
            raise SegmentError(f"mart.{table} does not exist: build the mart before segmenting")
        missing = [c for c in required if c not in columns]
        if missing:
            raise SegmentError(f"mart.{table} lacks column(s) {', '.join(missing)}")
        found[table] = columns
    return found


def read_customers(con: duckdb.DuckDBPyConnection, as_of: date) -> MartInputs:
    """dim_customer left-joined to the value window of `as_of`."""
    columns = check_inputs(con)
    n_window = con.execute(
        f"select count(*) from mart.{WINDOW} where as_of_date = ?", [as_of]
    ).fetchone()[0]
    if n_window == 0:
        raise SegmentError(
            f"mart.{WINDOW} has no rows for as_of_date {as_of.isoformat()}: "
            "build the mart for that date first"
        )
    orphans = con.execute(
        f"""
        select count(*) from mart.{WINDOW} as window_row
        where window_row.as_of_date = ?
          and not exists (select 1 from mart.{DIM} as dim
                          where dim.customer_key = window_row.customer_key)
        """,
        [as_of],
    ).fetchone()[0]
    if orphans:
        raise SegmentError(
            f"mart.{WINDOW} has {orphans} row(s) for {as_of.isoformat()} whose customer_key "
            f"is not in mart.{DIM}"
        )

    dim_columns = columns[DIM]
    unassigned = "dim.customer_type = 'unassigned'"
    if "is_unassigned" in dim_columns:
        unassigned = f"coalesce(dim.is_unassigned, false) or {unassigned}"
    money = ",\n".join(
        f"cast(coalesce(window_row.{c}, 0) * 100 as bigint) as {c}_cents" for c in WINDOW_MONEY
    )
    has_clv = bool(
        con.execute(
            "select count(*) from duckdb_tables() where schema_name = 'mart' "
            "and table_name = 'customer_lifetime_value'"
        ).fetchone()[0]
    )
    clv = "cast(lifetime.clv * 100 as bigint)" if has_clv else "cast(null as bigint)"
    potential = (
        "cast(lifetime.potential_value * 100 as bigint)" if has_clv else "cast(null as bigint)"
    )
    expected = (
        "cast(lifetime.expected_revenue_12m * 100 as bigint)" if has_clv else "cast(null as bigint)"
    )
    clv_join = (
        "left join mart.customer_lifetime_value as lifetime "
        "on lifetime.customer_key = dim.customer_key and lifetime.as_of_date = ?"
        if has_clv
        else ""
    )
    customers = con.execute(
        f"""
        select
            dim.customer_key,
            {clv} as clv_cents,
            {potential} as potential_value_cents,
            {expected} as expected_revenue_12m_cents,
            dim.customer_type,
            coalesce({unassigned}, false) as is_unassigned,
            nullif(trim(dim.strategic_importance), '') as strategic_importance,
            cast(coalesce(dim.open_pipeline_weighted, 0) * 100 as bigint)
                as open_pipeline_weighted_cents,
            {money},
            cast(coalesce(window_row.effort_minutes_12m, 0) as double) as effort_minutes_12m,
            cast(coalesce(window_row.visits_12m, 0) as bigint) as visits_12m,
            cast(coalesce(window_row.tickets_rated_12m, 0) as bigint) as tickets_rated_12m,
            cast(coalesce(window_row.tickets_good_12m, 0) as bigint) as tickets_good_12m,
            window_row.first_invoice_date,
            window_row.last_invoice_date,
            coalesce(window_row.has_bought, false) as has_bought,
            coalesce(window_row.is_active, false) as is_active
        from mart.{DIM} as dim
        left join mart.{WINDOW} as window_row
            on window_row.customer_key = dim.customer_key
            and window_row.as_of_date = ?
        {clv_join}
        order by dim.customer_key
        """,
        [as_of, as_of] if has_clv else [as_of],
    ).df()
    for column in ("first_invoice_date", "last_invoice_date"):
        customers[column] = pd.to_datetime(customers[column]).astype("datetime64[s]")
    return MartInputs(customers=customers, customer_key_type=dim_columns["customer_key"])


def read_monthly_value(con: duckdb.DuckDBPyConnection, last_months: pd.DataFrame) -> pd.DataFrame:
    """Average monthly revenue and contribution (cents) of each customer in `last_months`
    (customer_key, last_month) over the 12 months ending with its `last_month`: the run rate
    the company had from that customer before it stopped buying."""
    if last_months.empty:
        return pd.DataFrame(
            {
                "customer_key": last_months["customer_key"],
                "monthly_revenue_cents": pd.Series(dtype="int64"),
                "monthly_contribution_cents": pd.Series(dtype="int64"),
            }
        )
    con.register("_segment_last_months", last_months)
    try:
        sums = con.execute(
            f"""
            select
                last_months.customer_key,
                cast(coalesce(sum(profitability.revenue), 0) * 100 as bigint) as revenue_cents,
                cast(coalesce(sum(profitability.contribution), 0) * 100 as bigint)
                    as contribution_cents
            from _segment_last_months as last_months
            left join mart.{PROFITABILITY} as profitability
                on profitability.customer_key = last_months.customer_key
                and profitability.period_month > last_months.last_month - interval 12 month
                and profitability.period_month <= last_months.last_month
            group by last_months.customer_key
            """
        ).df()
    finally:
        con.unregister("_segment_last_months")
    # a twelfth, in whole cents, rounded half up (exact integer arithmetic)
    return pd.DataFrame(
        {
            "customer_key": sums["customer_key"],
            "monthly_revenue_cents": (2 * sums["revenue_cents"] + 12) // 24,
            "monthly_contribution_cents": (2 * sums["contribution_cents"] + 12) // 24,
        }
    )
