"""Bad input for the future-value models: a tiny company, nobody buying twice. Every
customer still gets finite values from a named fallback, with a warning."""

from __future__ import annotations

from datetime import date

import duckdb
import numpy as np
import pandas as pd

from klantwaarde.future import clv
from klantwaarde.future.occasions import summarise


def _summary(rows: list[tuple[str, str, float]]):
    con = duckdb.connect()
    frame = pd.DataFrame(rows, columns=["customer_key", "occasion_date", "amount"])
    frame["occasion_date"] = pd.to_datetime(frame["occasion_date"])
    con.register("occasions", frame)
    return summarise(con, date(2025, 6, 30), "week", source="occasions")


def _finite(fc: clv.Forecast) -> bool:
    return bool(
        np.isfinite(fc.occasions_by_month).all()
        and np.isfinite(fc.occasions_12m).all()
        and np.isfinite(fc.spend).all()
    )


def test_nobody_bought_twice(caplog):
    summary = _summary([(f"c{i}", f"2025-0{1 + i % 5}-1{i % 9}", 100.0 + i) for i in range(40)])
    assert (summary.frequency == 0).all()
    fc = clv.forecast(summary, horizon_months=36, min_repeat_customers=30)
    assert fc.method == "historical_rate_own_spend"
    assert _finite(fc) and (fc.occasions_12m > 0).all()
    value = clv.lifetime_value(fc, np.full(40, 0.3), np.full(40, 5.0), 0.10)
    assert np.isfinite(value).all()
    assert "BG/NBD not used" in caplog.text


def test_a_tiny_company_with_a_customer_bought_today():
    summary = _summary(
        [("a", "2025-01-02", 50.0), ("a", "2025-03-02", 70.0), ("b", "2025-06-30", 10.0)]
    )
    assert summary.tenure.tolist()[1] == 0.0  # b: first occasion on the as-of date
    fc = clv.forecast(summary, horizon_months=36, min_repeat_customers=30)
    assert fc.method == "historical_rate_own_spend"
    assert _finite(fc)
    assert np.isnan(fc.p_alive).all()  # no model: P(alive) is not made up (NULL in the mart)
