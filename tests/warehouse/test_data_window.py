"""The ERP aggregates at the source grain (int_erp_*_monthly) rebuild the months whose
data changed (var data_rebuild_from_month); the models that map them to customers
rebuild the wider window of rebuild_from_month. A night whose customer mapping changed
(wide rebuild_from_month) over unchanged data (narrow data window) still gives exactly
the mart of one build with --full-refresh."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace

import duckdb
import pytest

from klantwaarde import build

pytestmark = pytest.mark.slow

ERP_AGGREGATES = (
    "int_erp_receivables_monthly",
    "int_erp_invoice_drivers_monthly",
    "int_erp_shared_documents_monthly",
    "int_erp_revenue_monthly",
)
MART = (
    "fct_customer_profitability",
    "fct_cost_allocation",
    "reconciliation_ledger",
    "fct_allocation_trace",
    "fct_customer_activity",
    "fct_customer_value_window",
)


def _rows(warehouse, relation: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(f"select * from {relation} order by all").fetchall()


@pytest.fixture(scope="module")
def wide_mapping_night(nightly_build, tmp_path_factory):
    """The last night built again on a copy of the nightly warehouse, as if the ERP
    number invoiced first had been re-linked since the previous build (its customer_key
    changed in the bridge that build saved), restated at once (policy "nightly"):
    rebuild_from_month is the first month, the data window only the as-of month."""
    warehouse = tmp_path_factory.mktemp("wide_mapping") / "warehouse.duckdb"
    shutil.copy(nightly_build.settings.warehouse, warehouse)
    with duckdb.connect(str(warehouse)) as con:
        customer_no, first_invoice = con.execute(
            "select customer_no, invoice_date from staging.stg_erp__invoice_lines"
            " order by invoice_date, customer_no limit 1"
        ).fetchone()
        con.execute(
            "update meta.build_bridge set customer_key = 'before-the-re-link'"
            " where system = 'erp' and source_id = ?",
            [customer_no],
        )
    settings = replace(nightly_build.settings, warehouse=warehouse, relink_restatement="nightly")
    summary = build.build(settings, None)
    run_results = json.loads(
        (settings.output_dir / "dbt_target" / "run_results.json").read_text(encoding="utf-8")
    )
    return settings, summary, run_results, first_invoice.replace(day=1)


def test_the_night_rebuilds_the_mapping_wide_and_the_data_narrow(wide_mapping_night):
    settings, summary, run_results, first_month = wide_mapping_night
    as_of_month = settings.as_of.replace(day=1)
    assert first_month < as_of_month
    assert summary.rebuild_from == first_month, summary.reasons
    dbt_vars = run_results["args"]["vars"]
    assert dbt_vars["rebuild_from_month"] == first_month.isoformat()
    assert dbt_vars["data_rebuild_from_month"] == as_of_month.isoformat()
    ran = {r["unique_id"].split(".")[-1] for r in run_results["results"]}
    assert {"int_drivers_monthly", *ERP_AGGREGATES} <= ran
    # the ERP aggregates were computed for the as-of month only
    compiled = settings.output_dir / "dbt_target" / "compiled" / "klantwaarde" / "models"
    for name in ("int_erp_revenue_monthly", "int_erp_invoice_drivers_monthly"):
        (sql,) = [
            p.read_text()
            for p in compiled.rglob(f"{name}.sql")
            if not any(part.endswith(".yml") for part in p.parts)  # unit-test fixtures
        ]
        assert f"'{as_of_month.isoformat()}'" in sql, name
        assert first_month.isoformat() not in sql, name


@pytest.mark.parametrize("table", MART)
def test_wide_mapping_over_narrow_data_equals_full_build(wide_mapping_night, full_build, table):
    settings, *_ = wide_mapping_night
    assert settings.as_of == full_build.settings.as_of
    incremental = _rows(settings.warehouse, f"mart.{table}")
    assert incremental == _rows(full_build.settings.warehouse, f"mart.{table}")


@pytest.mark.parametrize("model", ERP_AGGREGATES)
def test_erp_aggregates_built_night_by_night_equal_full_build(nightly_build, full_build, model):
    incremental = _rows(nightly_build.settings.warehouse, f"intermediate.{model}")
    full = _rows(full_build.settings.warehouse, f"intermediate.{model}")
    assert incremental == full
    if model != "int_erp_shared_documents_monthly":  # usually empty
        assert full


def test_erp_aggregates_have_no_customer_mapping(full_build):
    with full_build.connect() as con:
        columns = con.execute(
            "select table_name, list(column_name) from information_schema.columns"
            " where table_schema = 'intermediate' and table_name in (?, ?, ?, ?)"
            " group by table_name",
            list(ERP_AGGREGATES),
        ).fetchall()
    assert {name for name, _ in columns} == set(ERP_AGGREGATES)
    for name, names in columns:
        assert "customer_no" in names and "customer_key" not in names, name
