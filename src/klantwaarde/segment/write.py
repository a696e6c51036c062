"""Write the segmentation results into schema `mart`, one set of rows per as-of date.

Every table is created with explicit types if it does not exist; then, in ONE
transaction for all tables, the rows of the as-of date are deleted and the new rows
inserted. Re-running a date replaces that date's rows (idempotent), other dates are kept
(history), and a failure leaves every table as it was.

Frames carry money as integer cents in `<column>_cents`; a DECIMAL(18,2) column is filled
from it exactly (`cents x 0.01`). Other DECIMAL columns come from `Decimal` values.
An existing table whose columns differ from the spec is an error (drop it to recreate).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal

import duckdb
import pandas as pd

from klantwaarde.segment.errors import SegmentError

MONEY = "DECIMAL(18,2)"
KEY = "{customer_key}"  # replaced by the type of mart.dim_customer.customer_key

TABLES: dict[str, tuple[tuple[str, str], ...]] = {
    "customer_segments": (
        ("customer_key", KEY),
        ("as_of_date", "DATE"),
        ("revenue_12m", MONEY),
        ("contribution_12m", MONEY),
        ("pareto_class", "VARCHAR"),
        ("curry_tier", "VARCHAR"),
        ("whitney_class", "VARCHAR"),
        ("whitney_action", "VARCHAR"),
        ("value_quadrant", "VARCHAR"),
        ("is_active", "BOOLEAN"),
        ("revenue_rank", "INTEGER"),
        ("revenue_share", "DOUBLE"),
        ("cumulative_revenue_share", "DOUBLE"),
        ("is_strategic_whitney", "BOOLEAN"),
        ("is_significant", "BOOLEAN"),
        ("is_profitable", "BOOLEAN"),
        ("open_pipeline_weighted", MONEY),
        ("satisfaction_share", "DOUBLE"),
        ("tickets_rated_12m", "INTEGER"),
        ("tickets_good_12m", "INTEGER"),
        ("effort_minutes_12m", "DOUBLE"),
        ("visits_12m", "INTEGER"),
        ("planned_visits_per_year", "DECIMAL(9,2)"),
        ("status", "VARCHAR"),
    ),
    "whale_curve": (
        ("as_of_date", "DATE"),
        ("rank", "INTEGER"),
        ("customer_key", KEY),
        ("contribution_12m", MONEY),
        ("cumulative_contribution", MONEY),
        ("cumulative_customer_share", "DOUBLE"),
        ("cumulative_contribution_share", "DOUBLE"),
    ),
    "whale_curve_summary": (
        ("as_of_date", "DATE"),
        ("customer_count", "INTEGER"),
        ("total_contribution", MONEY),
        ("peak_rank", "INTEGER"),
        ("peak_customer_share", "DOUBLE"),
        ("peak_contribution_share", "DOUBLE"),
        ("peak_contribution", MONEY),
        ("loss_making_count", "INTEGER"),
        ("loss_making_share", "DOUBLE"),
        ("loss_making_contribution", MONEY),
        ("summary_sentence", "VARCHAR"),
        # outside the curve: prospects' cost (acquisition) and lapsed customers
        ("prospect_count", "INTEGER"),
        ("acquisition_cost", MONEY),
        ("lapsed_count", "INTEGER"),
        ("lapsed_contribution", MONEY),
    ),
    "segment_summary": (
        ("as_of_date", "DATE"),
        ("dimension", "VARCHAR"),
        ("segment", "VARCHAR"),
        ("segment_order", "INTEGER"),
        ("customer_count", "BIGINT"),
        ("revenue_12m", MONEY),
        ("contribution_12m", MONEY),
        ("effort_minutes_12m", "DOUBLE"),
        ("visits_12m", "BIGINT"),
        ("customer_share", "DOUBLE"),
        ("revenue_share", "DOUBLE"),
        ("contribution_share", "DOUBLE"),
        ("effort_share", "DOUBLE"),
        ("attention_to_profit_ratio", "DOUBLE"),
    ),
    "attention_profit": (
        ("as_of_date", "DATE"),
        ("rule", "VARCHAR"),
        ("customer_count", "INTEGER"),
        ("customer_share", "DOUBLE"),
        ("effort_minutes", "DOUBLE"),
        ("effort_share", "DOUBLE"),
        ("contribution", MONEY),
        ("contribution_share", "DOUBLE"),
        ("sentence", "VARCHAR"),
    ),
    "customer_status": (
        ("customer_key", KEY),
        ("as_of_date", "DATE"),
        ("status", "VARCHAR"),
        ("is_active", "BOOLEAN"),
        ("first_invoice_date", "DATE"),
        ("last_invoice_date", "DATE"),
        ("months_since_last_invoice", "INTEGER"),
        ("revenue_12m", MONEY),
        ("revenue_prev_12m", MONEY),
        ("revenue_change_share", "DOUBLE"),
        ("monthly_revenue_lost", MONEY),
        ("monthly_contribution_lost", MONEY),
    ),
    "customer_value_lost": (
        ("as_of_date", "DATE"),
        ("status", "VARCHAR"),
        ("last_invoice_month", "DATE"),
        ("customer_count", "INTEGER"),
        ("revenue_lost_per_month", MONEY),
        ("contribution_lost_per_month", MONEY),
    ),
    "commercial_budget": (
        ("as_of_date", "DATE"),
        ("whitney_class", "VARCHAR"),
        ("whitney_action", "VARCHAR"),
        ("policy_weight", "DECIMAL(9,4)"),
        ("customer_count", "INTEGER"),
        ("contribution_12m", MONEY),
        ("positive_contribution_12m", MONEY),
        ("score", "DOUBLE"),
        ("budget_share", "DOUBLE"),
        ("budget_amount", MONEY),
        ("total_budget", MONEY),
    ),
    "customer_budget": (
        ("customer_key", KEY),
        ("as_of_date", "DATE"),
        ("whitney_class", "VARCHAR"),
        ("budget_score", "DOUBLE"),
        ("budget_amount", MONEY),
    ),
    "visit_plan": (
        ("as_of_date", "DATE"),
        ("curry_tier", "VARCHAR"),
        ("customer_count", "INTEGER"),
        ("planned_visits_per_customer", "DECIMAL(9,2)"),
        ("planned_visits", "DECIMAL(18,2)"),
        ("visits_12m", "BIGINT"),
        ("visits_per_customer_12m", "DOUBLE"),
        ("visit_gap", "DECIMAL(18,2)"),
    ),
}


def table_spec(table: str, key_type: str) -> tuple[tuple[str, str], ...]:
    return tuple(
        (name, key_type if sql_type == KEY else sql_type) for name, sql_type in TABLES[table]
    )


def _ddl(table: str, spec: tuple[tuple[str, str], ...]) -> str:
    columns = ",\n    ".join(
        f"{name} {sql_type} NOT NULL" if name == "as_of_date" else f"{name} {sql_type}"
        for name, sql_type in spec
    )
    return f"CREATE TABLE IF NOT EXISTS mart.{table} (\n    {columns}\n)"


def _check_existing(con: duckdb.DuckDBPyConnection, specs: Mapping[str, tuple]) -> None:
    """An existing output table must have exactly the columns of its spec, in order."""
    rows = con.execute(
        "select table_name, list(column_name order by ordinal_position) "
        "from information_schema.columns where table_schema = 'mart' "
        "and list_contains(?, table_name) group by table_name",
        [list(specs)],
    ).fetchall()
    for table, found in rows:
        if list(found) != [name for name, _ in specs[table]]:
            raise SegmentError(
                f"mart.{table} exists with other columns than segmentation writes: drop it "
                "to let the segment step recreate it"
            )


def _select_list(frame: pd.DataFrame, spec) -> str:
    exprs = []
    for name, sql_type in spec:
        if name == "as_of_date":
            exprs.append("CAST($as_of AS DATE)")
        elif sql_type == MONEY and f"{name}_cents" in frame.columns:
            exprs.append(f'CAST(CAST("{name}_cents" AS DECIMAL(38,0)) * 0.01 AS {MONEY})')
        elif name not in frame.columns:
            raise SegmentError(f"segment write: mart column {name} has no source column")
        elif sql_type.startswith("DECIMAL"):
            exprs.append(f'CAST(CAST("{name}" AS VARCHAR) AS {sql_type})')
        else:
            exprs.append(f'CAST("{name}" AS {sql_type})')
    return ",\n    ".join(exprs)


def _prepare(frame: pd.DataFrame, spec) -> pd.DataFrame:
    """Decimal objects travel as text (cast back to DECIMAL in SQL, exactly)."""
    frame = frame.reset_index(drop=True).copy()
    for name, sql_type in spec:
        if sql_type.startswith("DECIMAL") and name in frame.columns:
            frame[name] = (
                frame[name]
                .map(lambda value: None if value is None or pd.isna(value) else str(Decimal(value)))
                .astype(object)
            )
    return frame


def write_results(
    con: duckdb.DuckDBPyConnection,
    as_of: date,
    frames: Mapping[str, pd.DataFrame],
    key_type: str,
) -> dict[str, int]:
    """Replace the `as_of` rows of every table in `frames` in one transaction."""
    unknown = set(frames) - set(TABLES)
    if unknown:
        raise SegmentError(f"segment write: unknown table(s) {sorted(unknown)}")
    specs = {table: table_spec(table, key_type) for table in frames}
    _check_existing(con, specs)
    written: dict[str, int] = {}
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("CREATE SCHEMA IF NOT EXISTS mart")
        for table, frame in frames.items():
            spec = specs[table]
            con.execute(_ddl(table, spec))
            con.execute(f"DELETE FROM mart.{table} WHERE as_of_date = ?", [as_of])
            prepared = _prepare(frame, spec)
            con.register("_segment_frame", prepared)
            try:
                columns = ", ".join(name for name, _ in spec)
                con.execute(
                    f"INSERT INTO mart.{table} ({columns})\n"
                    f"SELECT\n    {_select_list(prepared, spec)}\nFROM _segment_frame",
                    {"as_of": as_of},
                )
            finally:
                con.unregister("_segment_frame")
            written[table] = len(prepared)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return written
