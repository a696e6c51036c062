"""The facts at the source's grain (build.SOURCE_GRAIN_FACTS) hold no customer mapping
and rebuild only the months whose source data changed: built night by night they equal
one build with --full-refresh, and a night compiles them for its own months only."""

from __future__ import annotations

import json

import duckdb
import pytest

from klantwaarde.build import SOURCE_GRAIN_FACTS

pytestmark = pytest.mark.slow


def _rows(warehouse, relation: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(f"select * from {relation} order by all").fetchall()


@pytest.mark.parametrize("relation", SOURCE_GRAIN_FACTS)
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
