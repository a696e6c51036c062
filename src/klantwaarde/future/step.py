"""The nightly `value` step: read the occasions and the value window, forecast, write
mart.customer_lifetime_value, mart.clv_model_parameters and mart.clv_model_fit for the
as-of date (a re-run replaces that night's rows)."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import date

import duckdb
import numpy as np
import pandas as pd

from klantwaarde.future import bgnbd, clv, gamma_gamma, holdout
from klantwaarde.future.occasions import Summary, summarise
from klantwaarde.future.tables import ensure_tables
from klantwaarde.segment.config import FutureValueConfig, SegmentConfig

log = logging.getLogger(__name__)

TIME_UNIT = "week"


@dataclass
class ValueSummary:
    as_of: date
    method: str
    customers: int
    customers_fitted: int
    parameters: dict[str, float] = field(default_factory=dict)
    holdout_predicted: float = 0.0
    holdout_actual: int = 0
    seconds: float = 0.0

    def describe(self) -> str:
        params = ", ".join(f"{k} {v:.4g}" for k, v in self.parameters.items())
        return (
            f"future value {self.as_of}: {self.customers} customers, {self.customers_fitted} "
            f"fitted ({self.method}: {params}); holdout predicted "
            f"{self.holdout_predicted:.1f} vs {self.holdout_actual} occasions"
        )


def _customers(con: duckdb.DuckDBPyConnection, as_of: date) -> pd.DataFrame:
    """Every customer with its contribution window (the last 12 closed months: revenue,
    gross margin, costs; doc block month_status) and potential."""
    return con.execute(
        """
        SELECT d.customer_key,
               CAST(coalesce(w.revenue_closed_12m, 0) AS DOUBLE) AS revenue,
               CAST(coalesce(w.gross_margin_12m, 0) AS DOUBLE) AS gross_margin,
               CAST(coalesce(w.cost_to_serve_12m, 0) + coalesce(w.credit_cost_12m, 0)
                    AS DOUBLE) AS cost,
               coalesce(p.potential_value, 0) AS potential_value
        FROM mart.dim_customer d
        LEFT JOIN mart.fct_customer_value_window w
               ON w.customer_key = d.customer_key AND w.as_of_date = ?
        LEFT JOIN mart.customer_potential_value p ON p.customer_key = d.customer_key
        ORDER BY d.customer_key
        """,
        [as_of],
    ).df()


def _window_start(con: duckdb.DuckDBPyConnection, as_of: date) -> date | None:
    return con.execute(
        "SELECT min(contribution_window_start_month) FROM mart.fct_customer_value_window"
        " WHERE as_of_date = ?",
        [as_of],
    ).fetchone()[0]


def _unit_economics(summary: Summary, customers: pd.DataFrame) -> pd.DataFrame:
    """Margin rate and cost per occasion over the contribution window (its costs over the
    occasions since its first month), per customer of `summary`."""
    out = customers.set_index("customer_key")
    positive = out["revenue"] > 0
    population = (
        out.loc[positive, "gross_margin"].sum() / out.loc[positive, "revenue"].sum()
        if positive.any()
        else 0.0
    )
    out["margin_rate"] = np.where(
        positive, out["gross_margin"] / out["revenue"].where(positive, 1.0), population
    )
    out = out.reindex(summary.customer_key)
    out["margin_rate"] = out["margin_rate"].fillna(population)
    out["cost_per_occasion"] = out["cost"].fillna(0) / np.maximum(summary.since, 1)
    return out


def compute(
    con: duckdb.DuckDBPyConnection, as_of: date, config: FutureValueConfig
) -> tuple[pd.DataFrame, clv.Forecast, holdout.HoldoutCheck]:
    customers = _customers(con, as_of)
    summary = summarise(con, as_of, TIME_UNIT, since=_window_start(con, as_of))
    fc = clv.forecast(summary, config.horizon_months, config.min_repeat_customers)
    econ = _unit_economics(summary, customers)
    value = clv.lifetime_value(
        fc,
        econ["margin_rate"].to_numpy(dtype=float),
        econ["cost_per_occasion"].to_numpy(dtype=float),
        float(config.discount_rate_annual),
    )
    fitted = pd.DataFrame(
        {
            "customer_key": summary.customer_key,
            "frequency": summary.frequency.astype(int),
            "recency": summary.recency,
            "tenure": summary.tenure,
            "monetary_value": np.where(summary.frequency > 0, summary.monetary_value, np.nan),
            "p_alive": fc.p_alive,
            "expected_purchases_12m": fc.occasions_12m,
            "expected_revenue_12m": fc.occasions_12m * fc.spend,
            "clv": value,
            "clv_method": fc.method,
        }
    )
    table = customers[["customer_key", "potential_value"]].merge(
        fitted, on="customer_key", how="left"
    )
    never = table["clv_method"].isna()
    table.loc[never, ["expected_revenue_12m", "clv"]] = 0.0
    table.loc[never, "clv_method"] = "no_purchase"
    check = holdout.check(con, as_of, config.holdout_weeks, config.min_repeat_customers)
    return table, fc, check


def _replace(
    con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame, select: str, as_of: date
) -> None:
    con.execute(f"DELETE FROM mart.{table} WHERE as_of_date = ?", [as_of])
    con.register("_kw_future", frame)
    try:
        con.execute(f"INSERT INTO mart.{table} SELECT {select} FROM _kw_future")
    finally:
        con.unregister("_kw_future")


def _parameter_rows(fc: clv.Forecast) -> list[tuple]:
    rows = []
    for model, fit_ in (("bg_nbd", fc.bg_nbd), ("gamma_gamma", fc.gamma_gamma)):
        if fit_ is None:
            continue
        for name, value in fit_.as_dict().items():
            rows.append((model, name, value, fit_.customers, fit_.log_likelihood, fit_.converged))
    return rows


def write(
    con: duckdb.DuckDBPyConnection,
    as_of: date,
    table: pd.DataFrame,
    fc: clv.Forecast,
    check: holdout.HoldoutCheck,
) -> None:
    con.execute("BEGIN TRANSACTION")
    ensure_tables(con)
    try:
        _replace(
            con,
            "customer_lifetime_value",
            table.assign(as_of_date=as_of),
            f"""customer_key, as_of_date, CAST(frequency AS INTEGER), recency, tenure,
                '{TIME_UNIT}', CAST(round(monetary_value, 2) AS DECIMAL(18,2)), p_alive,
                expected_purchases_12m, CAST(round(expected_revenue_12m, 2) AS DECIMAL(18,2)),
                CAST(round(clv, 2) AS DECIMAL(18,2)), CAST(potential_value AS DECIMAL(18,2)),
                clv_method""",
            as_of,
        )
        params = pd.DataFrame(
            _parameter_rows(fc),
            columns=["model", "parameter", "value", "customers", "ll", "converged"],
        ).assign(as_of_date=as_of)
        _replace(
            con,
            "clv_model_parameters",
            params,
            f"as_of_date, model, parameter, value, '{TIME_UNIT}', CAST(customers AS INTEGER), "
            "ll, converged",
            as_of,
        )
        fit_rows = pd.DataFrame(
            check.rows, columns=["bucket", "customers", "predicted", "actual"]
        ).assign(
            as_of_date=as_of,
            cal_end=check.calibration_end,
            hold_end=check.holdout_end,
            method=check.method,
        )
        _replace(
            con,
            "clv_model_fit",
            fit_rows,
            "as_of_date, bucket, CAST(cal_end AS DATE), CAST(hold_end AS DATE), method, "
            "CAST(customers AS INTEGER), predicted, CAST(actual AS INTEGER)",
            as_of,
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def value(
    con: duckdb.DuckDBPyConnection, as_of: date, config: SegmentConfig | None = None
) -> ValueSummary:
    """The step: forecast every customer as of `as_of` and write the three tables."""
    started = time.perf_counter()
    fv = (config or SegmentConfig.default()).future_value
    table, fc, check = compute(con, as_of, fv)
    write(con, as_of, table, fc, check)
    fitted = fc.bg_nbd.customers if fc.bg_nbd else 0
    predicted, actual = check.total
    summary = ValueSummary(
        as_of=as_of,
        method=fc.method,
        customers=len(table),
        customers_fitted=fitted,
        parameters={
            **(fc.bg_nbd.as_dict() if fc.bg_nbd else {}),
            **(fc.gamma_gamma.as_dict() if fc.gamma_gamma else {}),
        },
        holdout_predicted=predicted,
        holdout_actual=actual,
        seconds=time.perf_counter() - started,
    )
    log.info("%s", summary.describe())
    return summary


__all__ = ["ValueSummary", "bgnbd", "gamma_gamma", "value"]
