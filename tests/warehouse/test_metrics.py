"""One definition per metric: the MetricFlow semantic layer (dbt semantic models and
metrics, the time spine) answers a metric query with the mart's own numbers. Runs the
real `dbt parse` and `mf query` over a copy of the session's full build."""

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

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent


def test_a_metric_query_equals_the_mart(full_build, frozen_dbt_project, tmp_path):
    project = tmp_path / "dbt_project"
    shutil.copytree(frozen_dbt_project, project, ignore=shutil.ignore_patterns("target", "logs"))
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copyfile(full_build.settings.warehouse, warehouse)
    env = {**os.environ, "KLANTWAARDE_WAREHOUSE": str(warehouse), "DBT_PROFILES_DIR": str(project)}
    parsed = subprocess.run(
        [str(BIN / "dbt"), "parse", "--quiet"], cwd=project, env=env,
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert parsed.returncode == 0, parsed.stdout + parsed.stderr
    out = tmp_path / "metrics.csv"
    queried = subprocess.run(
        [str(BIN / "mf"), "query", "--metrics", "revenue,contribution,active_customers",
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
            )
            for row in csv.DictReader(handle)
        }
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        mart = {
            month.isoformat(): (revenue, contribution, active)
            for month, revenue, contribution, active in con.execute(
                "select period_month, sum(revenue), sum(contribution), "
                "count(distinct customer_key) filter (where revenue > 0) "
                "from mart.fct_customer_profitability group by 1"
            ).fetchall()
        }
    finally:
        con.close()
    assert shown == mart
