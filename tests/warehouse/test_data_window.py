"""The facts at the source's grain (build_state.SOURCE_GRAIN_FACTS) hold no customer mapping
and rebuild only the months whose source data changed: built night by night they equal
one build with --full-refresh, and a night compiles them for its own months only."""

from __future__ import annotations

import json

import duckdb
import pytest

from klantwaarde.build_state import SOURCE_GRAIN_FACTS

pytestmark = pytest.mark.slow


def _night_and_full_copies(nightly_build, tmp_path) -> dict[str, object]:
    """Two copies of the nightly-built warehouse: one for the next build, one for a full
    refresh to compare it with."""
    import shutil

    copies = {}
    for name in ("night", "full"):
        copies[name] = tmp_path / name / "warehouse.duckdb"
        copies[name].parent.mkdir()
        shutil.copy(nightly_build.settings.warehouse, copies[name])
    return copies


def _rows(warehouse, relation: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(f"select * from {relation} order by all").fetchall()


# the other tables a night rebuilds by whole months: the purchase occasions of the value step
MONTHLY_TABLES = (*SOURCE_GRAIN_FACTS, "intermediate.int_customer_purchase_occasions")


@pytest.mark.parametrize("relation", MONTHLY_TABLES)
def test_source_grain_facts_built_night_by_night_equal_full_build(
    nightly_build, full_build, relation
):
    incremental = _rows(nightly_build.settings.warehouse, relation)
    full = _rows(full_build.settings.warehouse, relation)
    assert full
    assert incremental == full


def test_source_grain_facts_have_no_customer_mapping(full_build):
    names = [relation.split(".")[1] for relation in SOURCE_GRAIN_FACTS]
    with full_build.connect() as con:
        columns = dict(
            con.execute(
                "select table_name, list(column_name) from information_schema.columns"
                " where table_schema = 'intermediate' and list_contains(?, table_name)"
                " group by table_name",
                [names],
            ).fetchall()
        )
    assert set(columns) == set(names)
    for name, column_names in columns.items():
        assert "customer_key" not in column_names, name
        assert {"customer_no"} <= set(column_names) or {"system", "source_id"} <= set(
            column_names
        ), name


def test_a_night_compiles_the_facts_for_its_own_months(nightly_build):
    settings = nightly_build.settings
    run_results = json.loads(
        (settings.output_dir / "dbt_target" / "run_results.json").read_text(encoding="utf-8")
    )
    first = run_results["args"]["vars"]["rebuild_from_month"]
    assert first == nightly_build.summaries[-1].rebuild_from.isoformat()
    assert first > nightly_build.drops[0].replace(month=1, day=1).isoformat()  # not history
    compiled = settings.output_dir / "dbt_target" / "compiled" / "klantwaarde" / "models"
    for relation in SOURCE_GRAIN_FACTS:
        name = relation.split(".")[1]
        (sql,) = [
            p.read_text()
            for p in compiled.rglob(f"{name}.sql")
            if not any(part.endswith(".yml") for part in p.parts)  # unit-test fixtures
        ]
        assert f"'{first}'" in sql, name


def test_a_changed_rate_rebuilds_every_month_and_restages_nothing(
    nightly_build, frozen_dbt_project, tmp_path, monkeypatch
):
    """No staging model reads a seed: a changed exchange rate rebuilds every month of the
    facts without dbt's --full-refresh, recomputes no superseded version, and gives the
    mart a full refresh with that rate gives."""
    import shutil
    from dataclasses import replace

    from klantwaarde import build_state
    from klantwaarde.build import build

    project = tmp_path / "dbt_project"
    shutil.copytree(frozen_dbt_project, project)
    monkeypatch.setenv("KLANTWAARDE_DBT_PROJECT_DIR", str(project))
    rates = project / "seeds" / "fx_rates.csv"
    lines = rates.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    changed = []
    for line in lines[1:]:  # every rate, EUR too: the sample invoices in EUR only
        row = dict(zip(header, line.split(","), strict=True))
        row["rate_to_eur"] = f"{float(row['rate_to_eur']) * 1.1:.6f}"
        changed.append(",".join(row[column] for column in header))
    rates.write_text("\n".join([lines[0], *changed]) + "\n", encoding="utf-8")

    copies = _night_and_full_copies(nightly_build, tmp_path)
    night = replace(nightly_build.settings, warehouse=copies["night"])
    # the staged deltas are the raw rows less the superseded versions: marked, a
    # superseded version written again would lose its mark
    superseded = [
        "staging.base_crm__activities_superseded",
        "staging.base_servicedesk__tickets_superseded",
        "staging.base_erp__invoice_lines_superseded",
    ]
    mark = "timestamp '1900-01-01'"
    with duckdb.connect(str(night.warehouse)) as con:
        for table in superseded:
            con.execute(f"update {table} set loaded_at = {mark}")
        marked = sum(con.execute(f"select count(*) from {t}").fetchone()[0] for t in superseded)
    summary = build(night)
    assert summary.reasons == ("a seed or the config changed",)
    assert summary.rebuild_from is None and not summary.full_refresh
    with duckdb.connect(str(night.warehouse), read_only=True) as con:
        kept = sum(
            con.execute(f"select count(*) from {t} where loaded_at = {mark}").fetchone()[0]
            for t in superseded
        )
        kind = build_state.relation_type(con, "staging.stg_erp__invoice_lines")
    assert marked > 0 and kept == marked
    assert kind == "VIEW"

    build(replace(night, warehouse=copies["full"], full_refresh=True))
    tables = ("fct_customer_profitability", "fct_cost_allocation", "reconciliation_ledger")
    for table in tables:
        assert _rows(copies["night"], f"mart.{table}") == _rows(copies["full"], f"mart.{table}")
    # and the rate did reach the mart
    assert _rows(copies["night"], "mart.fct_customer_profitability") != _rows(
        nightly_build.settings.warehouse, "mart.fct_customer_profitability"
    )


def test_a_changed_config_rebuilds_every_month_like_a_full_refresh(nightly_build, tmp_path):
    """A controller changes the cost model (half the field-sales capacity, a second
    activity: travel per visit): the next build rebuilds every month without dbt's
    --full-refresh and gives the mart a full refresh with that config gives."""
    import shutil
    from dataclasses import replace

    from klantwaarde.build import build
    from klantwaarde.config import DEFAULT_CONFIG_DIR

    config = tmp_path / "config"
    shutil.copytree(nightly_build.settings.config_dir, config)
    pools = config / "cost_pools.csv"
    text = pools.read_text(encoding="utf-8")
    capacity = next(
        line.split(",")[3] for line in text.splitlines() if line.startswith("field_sales,")
    )
    pools.write_text(
        text.replace(
            f"field_sales,time_driven,cost_to_serve,{capacity},",
            f"field_sales,time_driven,cost_to_serve,{int(capacity) // 2},",
        ),
        encoding="utf-8",
    )
    with (config / "pool_activities.csv").open("a", encoding="utf-8") as handle:
        handle.write("field_sales,travel_to_visit,visits,30\n")
    assert (DEFAULT_CONFIG_DIR / "pool_activities.csv").read_text() != (
        config / "pool_activities.csv"
    ).read_text()

    copies = _night_and_full_copies(nightly_build, tmp_path)
    night = replace(nightly_build.settings, warehouse=copies["night"], config_dir=config)
    summary = build(night)
    assert summary.reasons == ("a seed or the config changed",)
    assert summary.rebuild_from is None and not summary.full_refresh
    build(replace(night, warehouse=copies["full"], full_refresh=True))
    tables = (
        "fct_customer_profitability",
        "fct_cost_allocation",
        "reconciliation_ledger",
        "cost_model",
        "run_config",
    )
    for table in tables:
        assert _rows(copies["night"], f"mart.{table}") == _rows(copies["full"], f"mart.{table}")
    # the new activity is in the allocation: field sales charged more than before
    charged = {
        name: _rows(
            path,
            "(select coalesce(sum(allocated_amount), 0) from mart.fct_cost_allocation"
            " where cost_pool = 'field_sales')",
        )
        for name, path in (("before", nightly_build.settings.warehouse), ("after", copies["night"]))
    }
    assert charged["after"] > charged["before"]
