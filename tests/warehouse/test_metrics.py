"""One definition per metric: the MetricFlow semantic layer (dbt semantic models and
metrics, the time spine) answers a metric query with the mart's own numbers. Runs the
real `dbt parse` and `mf query` over a copy of the session's full build.

CLV is a stock: over a month the metric takes the month's last night, summed over
customers. The build does not run the value step: the test runs it on the copy, then
adds two nights of the month before (the same customers, other values), so that a sum
over nights, or the wrong night, would show."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from klantwaarde.future.step import value

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent


def test_a_metric_query_equals_the_mart(full_build, frozen_dbt_project, tmp_path):
    project = tmp_path / "dbt_project"
    shutil.copytree(frozen_dbt_project, project, ignore=shutil.ignore_patterns("target", "logs"))
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copyfile(full_build.settings.warehouse, warehouse)
    con = duckdb.connect(str(warehouse))
    try:
        value(con, full_build.settings.as_of)
        # two nights of the month before, with other values: the last of them counts
        for days_before_month, step in ((1, 1), (2, 2)):
            con.execute(
                "insert into mart.customer_lifetime_value by name "
                "select * replace (cast(date_trunc('month', as_of_date) as date) - ?::integer "
                "as as_of_date, "
                "clv * ? + 1 as clv, potential_value + ? as potential_value) "
                "from mart.customer_lifetime_value where as_of_date = ?",
                [days_before_month, step + 1, step * 7, full_build.settings.as_of],
            )
    finally:
        con.close()
    env = {**os.environ, "KLANTWAARDE_WAREHOUSE": str(warehouse), "DBT_PROFILES_DIR": str(project)}
    parsed = subprocess.run(
        [str(BIN / "dbt"), "parse", "--quiet"], cwd=project, env=env,
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert parsed.returncode == 0, parsed.stdout + parsed.stderr
    out = tmp_path / "metrics.csv"
    queried = subprocess.run(
        [str(BIN / "mf"), "query",
         "--metrics", "revenue,contribution,active_customers,clv,potential_value",
         "--group-by", "metric_time__month", "--csv", str(out)],
        cwd=project, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert queried.returncode == 0, queried.stdout + queried.stderr
    with open(out, encoding="utf-8", newline="") as handle:
        shown = {
            row["metric_time__month"][:10]: (
                Decimal(row["revenue"]),
                Decimal(row["contribution"]),
                int(row["active_customers"]),
                Decimal(row["clv"]) if row["clv"] else None,
                Decimal(row["potential_value"]) if row["potential_value"] else None,
            )
            for row in csv.DictReader(handle)
        }
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        mart = {
            month.isoformat(): (revenue, contribution, active, clv, potential)
            for month, revenue, contribution, active, clv, potential in con.execute(
                """
                with profit as (
                    select period_month, sum(revenue) as revenue,
                           sum(contribution) as contribution,
                           count(distinct customer_key) filter (where revenue > 0) as active
                    from mart.fct_customer_profitability group by 1
                ),
                nights as (
                    select as_of_date, date_trunc('month', as_of_date) as period_month,
                           sum(clv) as clv, sum(potential_value) as potential
                    from mart.customer_lifetime_value group by 1
                ),
                last_night as (
                    select period_month, clv, potential from nights
                    qualify as_of_date = max(as_of_date) over (partition by period_month)
                )
                select period_month, revenue, contribution, active, clv, potential
                from profit left join last_night using (period_month)
                """
            ).fetchall()
        }
        nights = con.execute(
            "select count(distinct as_of_date) from mart.customer_lifetime_value"
        ).fetchone()[0]
    finally:
        con.close()
    assert nights == 3
    assert sum(values[3] is not None for values in mart.values()) == 2
    assert shown == mart
