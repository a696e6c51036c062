"""The model check: fit on the history up to as-of minus the holdout, predict the holdout's
occasions per customer, compare with what happened, per frequency bucket and in total."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import duckdb
import numpy as np
import pandas as pd

from klantwaarde.future import bgnbd
from klantwaarde.future.occasions import DAYS_PER_UNIT, OCCASIONS, summarise

BUCKETS = ("0", "1", "2", "3", "4", "5", "6", "7+")


@dataclass(frozen=True)
class HoldoutCheck:
    calibration_end: date
    holdout_end: date
    method: str  # bg_nbd, historical_rate, or none (no customer before the holdout)
    rows: list[tuple[str, int, float, int]]  # bucket, customers, predicted, actual

    @property
    def total(self) -> tuple[float, int]:
        return next((p, a) for b, _, p, a in self.rows if b == "total")


def _bucket(frequency: np.ndarray) -> np.ndarray:
    return np.array([BUCKETS[min(int(f), 7)] for f in frequency], dtype=object)


def check(
    con: duckdb.DuckDBPyConnection,
    as_of: date,
    holdout_weeks: int,
    min_repeat_customers: int,
    source: str = OCCASIONS,
) -> HoldoutCheck:
    cutoff = as_of - timedelta(days=7 * holdout_weeks)
    cal = summarise(con, cutoff, "week", source=source, until=as_of)
    horizon = 7 * holdout_weeks / DAYS_PER_UNIT["week"]
    if not len(cal):
        return HoldoutCheck(cutoff, as_of, "none", [("total", 0, 0.0, 0)])
    x, t_x, big_t = cal.frequency, cal.recency, cal.tenure
    fit = bgnbd.fit(x, t_x, big_t) if int(np.sum(x > 0)) >= min_repeat_customers else None
    predicted = None
    if fit is not None and np.isfinite(fit.log_likelihood):
        predicted = bgnbd.expected_purchases(fit, horizon, x, t_x, big_t)
        method = "bg_nbd"
        if not np.all(np.isfinite(predicted)):
            predicted = None
    if predicted is None:
        predicted = (x + 1) / np.maximum(big_t, 1.0) * horizon
        method = "historical_rate"
    frame = pd.DataFrame({"bucket": _bucket(x), "predicted": predicted, "actual": cal.later})
    grouped = frame.groupby("bucket").agg(
        customers=("actual", "size"), predicted=("predicted", "sum"), actual=("actual", "sum")
    )
    rows = [
        (
            b,
            int(grouped.loc[b, "customers"]),
            float(grouped.loc[b, "predicted"]),
            int(grouped.loc[b, "actual"]),
        )
        for b in BUCKETS
        if b in grouped.index
    ]
    rows.append(("total", len(cal), float(predicted.sum()), int(cal.later.sum())))
    return HoldoutCheck(cutoff, as_of, method, rows)
