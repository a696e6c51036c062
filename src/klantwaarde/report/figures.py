"""Everything the report shows, read from the published mart (money as Decimal)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from klantwaarde.errors import KlantwaardeError
from klantwaarde.segment.whale import whale_curve


class ReportError(KlantwaardeError):
    """The report cannot be made (a mart that does not reconcile is never shown)."""


@dataclass
class Figures:
    as_of: date
    headline: dict[str, Any]
    whale: list[tuple[float, float]]  # (customer share, contribution share)
    whale_summary: dict[str, Any]
    segments: dict[str, list[dict[str, Any]]]  # dimension -> rows
    budget: list[dict[str, Any]]
    attention: list[dict[str, Any]]
    decay: list[dict[str, Any]]
    reconciliation: list[dict[str, Any]]
    reconciliation_totals: dict[str, Decimal]
    data_quality: list[dict[str, Any]]
    landing_issues: list[dict[str, Any]]
    top: list[dict[str, Any]]
    bottom: list[dict[str, Any]]
    clv: dict[str, Any] = field(default_factory=dict)  # empty without future value
    months: dict[str, list[str]] = field(default_factory=dict)  # month_status -> months
    contribution_window: tuple[date | None, date | None] = (None, None)
    capacity: list[dict[str, Any]] = field(default_factory=list)  # time-driven pool-months
    scenarios: list[dict[str, Any]] = field(default_factory=list)
    scenario: dict[str, Any] = field(default_factory=dict)  # the latest, against actuals


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict]:
    cursor = con.execute(sql, params or [])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _has(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from duckdb_tables() where schema_name = 'mart' and table_name = ?",
            [table],
        ).fetchone()[0]
    )


def read(published: Path) -> Figures:
    con = duckdb.connect(str(published), read_only=True)
    try:
        return _read(con)
    finally:
        con.close()


def _read(con: duckdb.DuckDBPyConnection) -> Figures:
    as_of = con.execute("select max(as_of_date) from mart.customer_segments").fetchone()[0]
    if as_of is None:
        raise ReportError("the published mart holds no segments: nothing to report")
    broken = con.execute(
        "select cost_pool, strftime(period_month, '%Y-%m'), difference "
        "from mart.reconciliation_ledger where difference <> 0 order by 2, 1 limit 1"
    ).fetchone()
    if broken:
        raise ReportError(
            f"reconciliation_ledger: pool {broken[0]} month {broken[1]} differs by {broken[2]}: "
            "a mart that does not reconcile is not reported"
        )
    p = [as_of]
    headline = _rows(
        con,
        """
        select count(*) as customers,
               count(*) filter (where is_active) as active_customers,
               sum(revenue_12m) as revenue_12m,
               sum(contribution_12m) as contribution_12m
        from mart.customer_segments where as_of_date = ?""",
        p,
    )[0]
    headline.update(
        _rows(
            con,
            """
            select sum(cost_to_serve_12m) as cost_to_serve_12m,
                   sum(credit_cost_12m) as credit_cost_12m
            from mart.fct_customer_value_window where as_of_date = ?""",
            p,
        )[0]
    )
    window = con.execute(
        "select min(window_start_month) from mart.fct_customer_value_window where as_of_date = ?",
        p,
    ).fetchone()[0]
    headline["unallocated_12m"] = con.execute(
        "select coalesce(sum(unallocated_amount), 0) from mart.reconciliation_ledger "
        "where period_month >= ? and period_month <= ?",
        [window, as_of],
    ).fetchone()[0]
    headline["as_of"] = as_of
    whale = [
        (float(a), float(b))
        for a, b in con.execute(
            "select cumulative_customer_share, cumulative_contribution_share "
            "from mart.whale_curve where as_of_date = ? order by rank",
            p,
        ).fetchall()
    ]
    whale_summary = _rows(con, "select * from mart.whale_curve_summary where as_of_date = ?", p)[0]
    segments: dict[str, list[dict]] = {}
    for row in _rows(
        con,
        "select * from mart.segment_summary where as_of_date = ? order by dimension, segment_order",
        p,
    ):
        segments.setdefault(row["dimension"], []).append(row)
    budget = _rows(
        con,
        """
        select b.whitney_class, b.whitney_action, b.customer_count, b.budget_amount,
               coalesce(s.revenue_12m, 0) as revenue_12m,
               coalesce(s.contribution_12m, 0) as contribution_12m
        from mart.commercial_budget b
        left join (
            select whitney_class, sum(revenue_12m) as revenue_12m,
                   sum(contribution_12m) as contribution_12m
            from mart.customer_segments where as_of_date = ? group by 1
        ) s on s.whitney_class = b.whitney_class
        where b.as_of_date = ? order by b.whitney_class = 'unallocated', b.whitney_class desc""",
        [as_of, as_of],
    )
    attention = _rows(con, "select * from mart.attention_profit where as_of_date = ?", p)
    decay = _rows(
        con,
        """
        select last_invoice_month, sum(customer_count) as customers,
               sum(revenue_lost_per_month) as revenue_lost,
               sum(contribution_lost_per_month) as contribution_lost
        from mart.customer_value_lost where as_of_date = ?
        group by 1 order by 1""",
        p,
    )
    reconciliation = _rows(
        con,
        """
        select strftime(period_month, '%Y-%m') as month, cost_pool, ledger_amount,
               allocated_amount, unallocated_amount, difference, unallocated_reason,
               quarantined_amount, reconciliation_status
        from mart.reconciliation_ledger order by period_month desc, cost_pool""",
    )
    totals = _rows(
        con,
        """
        select sum(ledger_amount) as ledger, sum(allocated_amount) as allocated,
               sum(unallocated_amount) as unallocated, sum(difference) as difference,
               sum(quarantined_amount) as quarantined
        from mart.reconciliation_ledger""",
    )[0]
    data_quality = (
        _rows(
            con,
            """
            select extract_date, sum(row_count) filter (where outcome = 'loaded') as loaded,
                   coalesce(sum(row_count) filter (where outcome = 'quarantined'), 0)
                       as quarantined,
                   coalesce(sum(row_count) filter (where outcome = 'flagged'), 0) as flagged
            from mart.load_data_quality group by 1 order by 1 desc limit 14""",
        )
        if _has(con, "load_data_quality")
        else []
    )
    issues = (
        _rows(con, "select landing_path, issue, outcome from mart.landing_issues order by 1")
        if _has(con, "landing_issues")
        else []
    )
    table = """
        select d.customer_name, s.revenue_12m, s.contribution_12m, s.curry_tier,
               s.pareto_class, s.whitney_class, s.whitney_action
        from mart.customer_segments s join mart.dim_customer d using (customer_key)
        where s.as_of_date = ? and s.is_active
        order by s.contribution_12m {order}, s.customer_key limit 50"""
    top = _rows(con, table.format(order="desc"), p)
    bottom = _rows(con, table.format(order="asc"), p)
    clv: dict[str, Any] = {}
    if _has(con, "customer_lifetime_value"):
        values = [
            float(v)
            for (v,) in con.execute(
                "select clv from mart.customer_lifetime_value where as_of_date = ? "
                "and clv_method <> 'no_purchase' order by clv",
                p,
            ).fetchall()
        ]
        if values:
            clv_rank = """
                select d.customer_name, l.clv, l.p_alive, l.expected_purchases_12m,
                       l.potential_value
                from mart.customer_lifetime_value l join mart.dim_customer d using (customer_key)
                where l.as_of_date = ? and l.clv_method <> 'no_purchase'
                order by l.clv {order}, l.customer_key limit 10"""
            clv = {
                "values": values,
                "total": con.execute(
                    "select sum(clv), sum(potential_value) from mart.customer_lifetime_value "
                    "where as_of_date = ?",
                    p,
                ).fetchone(),
                "highest": _rows(con, clv_rank.format(order="desc"), p),
                "lowest": _rows(con, clv_rank.format(order="asc"), p),
            }
    figures = Figures(
        as_of, headline, whale, whale_summary, segments, budget, attention, decay,
        reconciliation, totals, data_quality, issues, top, bottom, clv,
    )  # fmt: skip
    _read_months(con, figures)
    _read_scenarios(con, figures)
    return figures


def _read_months(con: duckdb.DuckDBPyConnection, f: Figures) -> None:
    """Open and closed months, the contribution window, time-driven capacity."""
    if _has(con, "ledger_months"):
        f.months = {
            status: list(months)
            for status, months in con.execute(
                "select month_status, list(strftime(period_month, '%Y-%m') order by period_month)"
                " from mart.ledger_months group by 1"
            ).fetchall()
        }
    f.contribution_window = con.execute(
        "select min(contribution_window_start_month), max(contribution_window_end_month)"
        " from mart.fct_customer_value_window where as_of_date = ?",
        [f.as_of],
    ).fetchone()
    f.capacity = _rows(
        con,
        """
        select strftime(period_month, '%Y-%m') as month, cost_pool, ledger_amount,
               practical_capacity_minutes, used_minutes, unused_capacity_minutes,
               capacity_cost_rate, unallocated_amount as unused_capacity_cost, capacity_status
        from mart.reconciliation_ledger
        where method = 'time_driven' and period_month >= ?
        order by period_month desc, cost_pool""",
        [f.contribution_window[0] or f.as_of],
    )


def _read_scenarios(con: duckdb.DuckDBPyConnection, f: Figures) -> None:
    """Every scenario run, and the latest against the actuals: both whale curves over the
    contribution window and the customers who cross from profit to loss."""
    if not _has(con, "scenarios"):
        return
    f.scenarios = [
        {**row, "config_fingerprint": row["config_fingerprint"][:12],
         "run_at": row["run_at"].strftime("%Y-%m-%d %H:%M")}
        for row in _rows(con, "select * from mart.scenarios order by run_at desc, scenario")
    ]  # fmt: skip
    if not f.scenarios:
        return
    latest = f.scenarios[0]
    per_customer = """
        select p.customer_key, d.customer_name,
               sum(p.actual_contribution) as actual, sum(p.contribution) as scenario,
               sum(p.actual_revenue) as actual_revenue
        from mart.scenario_profitability p join mart.dim_customer d using (customer_key)
        where p.scenario = ? and p.period_month between ? and ?
        group by all"""
    window = [latest["scenario"], latest["window_start_month"], latest["window_end_month"]]

    def curve(column: str) -> list[tuple[float, float]]:
        """The whale curve (segment.whale's) of the customers with actual revenue."""
        customers = con.execute(
            f"select customer_key, cast(round({column} * 100) as bigint)"
            f" as contribution_12m_cents, true as is_active, true as has_bought"
            f" from ({per_customer}) where actual_revenue > 0",
            window,
        ).df()
        points, _ = whale_curve(customers)
        return [
            (float(x), 0.0 if pd.isna(y) else float(y))
            for x, y in zip(
                points["cumulative_customer_share"],
                points["cumulative_contribution_share"],
                strict=True,
            )
        ]

    f.scenario = {
        **latest,
        "actual_curve": curve("actual"),
        "scenario_curve": curve("scenario"),
        "to_loss": _rows(
            con,
            f"select customer_name, actual, scenario, scenario - actual as change"
            f" from ({per_customer}) where actual >= 0 and scenario < 0"
            " order by scenario - actual, customer_key limit 50",
            window,
        ),
    }
