"""The nightly value step on a warehouse dbt built (the session's full build, copied):
the three future-value tables as contracts §4 has them, a re-run that replaces its night,
and the fallback when too few customers repeat."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest

from klantwaarde.future.step import value
from klantwaarde.segment.config import SegmentConfig

pytestmark = pytest.mark.slow

CONTRACT = {
    "customer_lifetime_value": [
        "customer_key", "as_of_date", "frequency", "recency", "tenure", "time_unit",
        "monetary_value", "p_alive", "expected_purchases_12m", "expected_revenue_12m", "clv",
        "potential_value",
    ],
    "clv_model_parameters": [
        "as_of_date", "model", "parameter", "value", "time_unit", "customers_fitted",
    ],
}  # fmt: skip


@pytest.fixture
def valued(full_build, tmp_path: Path):
    path = tmp_path / "warehouse.duckdb"
    shutil.copyfile(full_build.settings.warehouse, path)
    con = duckdb.connect(str(path))
    summary = value(con, full_build.settings.as_of, SegmentConfig.default())
    yield con, summary, full_build.settings.as_of
    con.close()


def _types(con, table: str) -> dict[str, str]:
    return dict(
        con.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'mart' AND table_name = ?",
            [table],
        ).fetchall()
    )


def test_the_tables_are_written_as_contracted(valued):
    con, summary, as_of = valued
    for table, columns in CONTRACT.items():
        assert set(columns) <= set(_types(con, table)), table
    types = _types(con, "customer_lifetime_value")
    for money in ("monetary_value", "expected_revenue_12m", "clv", "potential_value"):
        assert types[money] == "DECIMAL(18,2)", money
    customers = con.execute("SELECT count(*) FROM mart.dim_customer").fetchone()[0]
    rows, keys, bad_p = con.execute(
        "SELECT count(*), count(DISTINCT customer_key), "
        "count(*) FILTER (WHERE p_alive < 0 OR p_alive > 1) "
        "FROM mart.customer_lifetime_value WHERE as_of_date = ?",
        [as_of],
    ).fetchone()
    assert rows == keys == customers and bad_p == 0
    params = dict(
        con.execute(
            "SELECT model || '.' || parameter, value FROM mart.clv_model_parameters"
        ).fetchall()
    )
    assert set(params) == {
        "bg_nbd.r", "bg_nbd.alpha", "bg_nbd.a", "bg_nbd.b",
        "gamma_gamma.p", "gamma_gamma.q", "gamma_gamma.gamma",
    }  # fmt: skip
    assert summary.method == "bg_nbd_gamma_gamma"
    # converged is recorded either way (three months of history: no drop-out seen yet,
    # the BG/NBD fit may end at the edge, a -> 0)
    assert con.execute(
        "SELECT count(DISTINCT converged), max(log_likelihood) < 0 "
        "FROM mart.clv_model_parameters GROUP BY model ORDER BY model"
    ).fetchall() == [(1, True), (1, True)]


def test_clv_is_contribution_not_revenue(valued):
    con, _, as_of = valued
    # customers who bought: a customer whose costs exceed its margin has a negative CLV;
    # nobody's CLV exceeds its expected revenue over the horizon
    negative, above_revenue, never = con.execute(
        """
        SELECT count(*) FILTER (WHERE l.clv < 0 AND w.contribution_12m < 0),
               count(*) FILTER (WHERE l.clv > 3 * l.expected_revenue_12m + 0.01),
               count(*) FILTER (WHERE l.clv_method = 'no_purchase' AND l.clv <> 0)
        FROM mart.customer_lifetime_value l
        JOIN mart.fct_customer_value_window w
          ON w.customer_key = l.customer_key AND w.as_of_date = l.as_of_date
        WHERE l.as_of_date = ?""",
        [as_of],
    ).fetchone()
    assert negative > 0
    assert above_revenue == 0
    assert never == 0


def test_a_rerun_replaces_its_night(valued):
    con, _, as_of = valued
    before = con.execute("SELECT * FROM mart.customer_lifetime_value ORDER BY ALL").fetchall()
    value(con, as_of, SegmentConfig.default())
    after = con.execute("SELECT * FROM mart.customer_lifetime_value ORDER BY ALL").fetchall()
    assert after == before


def test_too_few_repeat_customers_fall_back_and_say_so(valued, caplog):
    con, _, as_of = valued
    config = SegmentConfig.default()
    config = replace(config, future_value=replace(config.future_value, min_repeat_customers=10**6))
    summary = value(con, as_of, config)
    assert summary.method == "historical_rate_own_spend"
    assert "BG/NBD not used" in caplog.text
    methods = {
        m for (m,) in con.execute(
            "SELECT DISTINCT clv_method FROM mart.customer_lifetime_value WHERE as_of_date = ?",
            [as_of],
        ).fetchall()
    }  # fmt: skip
    assert methods <= {"historical_rate_own_spend", "no_purchase"}
    assert con.execute(
        "SELECT count(*) FROM mart.clv_model_parameters WHERE as_of_date = ?", [as_of]
    ).fetchone() == (0,)
    assert con.execute(
        "SELECT count(*) FROM mart.customer_lifetime_value WHERE p_alive IS NOT NULL "
        "AND as_of_date = ?",
        [as_of],
    ).fetchone() == (0,)


def test_gx_checks_what_the_step_wrote(valued, full_build, tmp_path):
    from klantwaarde import checks

    con, _, _ = valued
    settings = replace(full_build.settings, warehouse=tmp_path / "warehouse.duckdb")
    con.close()
    summary = checks.run_checks(settings, checks.FUTURE_VALUE_CONCERNS)
    assert summary.passed == ["future_value"]
    broken = duckdb.connect(str(settings.warehouse))
    try:
        broken.execute(
            "update mart.customer_lifetime_value set p_alive = 1.5 "
            "where customer_key = (select min(customer_key) from mart.customer_lifetime_value "
            "where p_alive is not null)"
        )
    finally:
        broken.close()
    with pytest.raises(checks.CheckError, match="future_value"):
        checks.run_checks(settings, checks.FUTURE_VALUE_CONCERNS)
