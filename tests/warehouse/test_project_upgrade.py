"""An upgraded dbt project on an existing warehouse restates what it changed, whole.

The previous build's parse is kept in the warehouse (`meta.build_parse`); a build on a
changed project lets dbt compare the two (`state:modified+`) and rebuilds the changed
models and those downstream of them over every month, the rest as an ordinary night."""

from __future__ import annotations

import shutil
from collections import Counter
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest

from klantwaarde.build import build
from klantwaarde.publish import publish

from mart_helpers import mart_rows

pytestmark = pytest.mark.slow

CHANGED = "mart.fct_customer_activity"


def _upgrade(frozen: Path, to: Path, model: str, old: str, new: str) -> Path:
    shutil.copytree(frozen, to, ignore=shutil.ignore_patterns("target", "logs"))
    path = next(to.joinpath("models").rglob(f"{model}.sql"))
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))
    return to


def _rebuilt_whole(warehouse: Path) -> list[str]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(
            "select rebuilt_whole from meta.build_runs order by built_at desc limit 1"
        ).fetchone()[0]


def _key_test_of_the_mapped_costs(warehouse: Path) -> str:
    """The SQL the last build ran for the key test of fct_cost_allocation, whose filter
    is the rows this build wrote (`__rebuilt_customer_rows__`)."""
    run = warehouse.parent / "dbt_target" / "run"
    return next(run.rglob("primary_key_fct_cost_allocatio*.sql")).read_text()


def test_a_changed_model_restates_itself_and_its_descendants_in_every_month(
    full_build, frozen_dbt_project, tmp_path, monkeypatch
):
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(full_build.settings.warehouse, warehouse)
    settings = replace(full_build.settings, warehouse=warehouse, full_refresh=False)

    unchanged = build(settings, None)
    assert not unchanged.full_refresh and unchanged.rebuild_from is not None
    assert _rebuilt_whole(warehouse) == []
    assert "int_customer_keys_restated" in _key_test_of_the_mapped_costs(warehouse)
    publish(settings)
    before = mart_rows(warehouse)

    # a new definition of a mapped fact: call minutes count one more minute per call, in
    # every month (a night's window alone would change only its own months)
    upgraded = _upgrade(
        frozen_dbt_project,
        tmp_path / "dbt_project",
        "fct_customer_activity",
        "cast(call_minutes as bigint)",
        "cast(call_minutes + call_count as bigint)",
    )
    monkeypatch.setenv("KLANTWAARDE_DBT_PROJECT_DIR", str(upgraded))
    # the same warehouse rebuilt whole on the upgraded project, to compare with
    refreshed = replace(settings, warehouse=tmp_path / "refreshed" / "warehouse.duckdb")
    refreshed.warehouse.parent.mkdir()
    shutil.copy(warehouse, refreshed.warehouse)

    after_upgrade = build(settings, None)
    assert not after_upgrade.full_refresh
    assert after_upgrade.rebuild_from == unchanged.rebuild_from
    assert any("dbt project changed" in reason for reason in after_upgrade.reasons)
    rebuilt = _rebuilt_whole(warehouse)
    assert CHANGED in rebuilt and list(after_upgrade.rebuilt_whole) == rebuilt
    # only what depends on the change: the allocation and the customers stay a night's work
    assert "mart.fct_cost_allocation" not in rebuilt and "mart.dim_customer" not in rebuilt
    # a new version of the project is tested on every row, as a build of every month is
    assert "int_customer_keys_restated" not in _key_test_of_the_mapped_costs(warehouse)

    after = mart_rows(warehouse)
    old = before["fct_customer_activity"]
    assert len({row[1] for row in old}) > 1  # more than one month
    # (customer_key, period_month, visit_count, visit_minutes, call_count, call_minutes, ...)
    expected = Counter((*row[:5], row[5] + row[4], *row[6:]) for row in old)
    assert expected != Counter(old)
    assert Counter(after["fct_customer_activity"]) == expected
    untouched = [t for t in before if f"mart.{t}" not in rebuilt]
    assert {t: after[t] for t in untouched} == {t: before[t] for t in untouched}
    full = build(replace(refreshed, full_refresh=True), None)
    assert full.full_refresh
    assert after == mart_rows(refreshed.warehouse)

    # the published file takes the rebuilt fact whole, not only the night's months
    publish(settings)
    published = mart_rows(settings.published_path)
    assert Counter(published["fct_customer_activity"]) == expected

    next_night = build(settings, None)
    assert not next_night.full_refresh and _rebuilt_whole(warehouse) == []


def test_a_changed_project_settings_file_rebuilds_everything(
    full_build, frozen_dbt_project, tmp_path, monkeypatch
):
    """dbt cannot follow a var of dbt_project.yml to the models that read it."""
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(full_build.settings.warehouse, warehouse)
    settings = replace(full_build.settings, warehouse=warehouse, full_refresh=False)
    before = mart_rows(warehouse)

    upgraded = tmp_path / "dbt_project"
    shutil.copytree(frozen_dbt_project, upgraded, ignore=shutil.ignore_patterns("target", "logs"))
    project_yml = upgraded / "dbt_project.yml"
    project_yml.write_text(project_yml.read_text() + "\n# upgraded settings\n")
    monkeypatch.setenv("KLANTWAARDE_DBT_PROJECT_DIR", str(upgraded))

    after_upgrade = build(settings, None)
    assert after_upgrade.full_refresh and after_upgrade.rebuild_from is None
    assert after_upgrade.reasons == ("the dbt project changed since the last build",)
    assert mart_rows(warehouse) == before


def _relations(path: Path, schema: str) -> set[str]:
    with duckdb.connect(str(path), read_only=True) as con:
        return {
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables where table_schema = ?",
                [schema],
            ).fetchall()
        }


def test_a_renamed_model_leaves_no_stale_relation_in_the_warehouse_or_the_published_mart(
    full_build, frozen_dbt_project, tmp_path, monkeypatch
):
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(full_build.settings.warehouse, warehouse)
    settings = replace(full_build.settings, warehouse=warehouse, full_refresh=False)
    build(settings, None)
    publish(settings)
    old, new = "customer_match_issues", "customer_match_conflicts"
    assert old in _relations(settings.published_path, "mart")
    issues = mart_rows(warehouse)[old]

    # the new version calls a mart model and an intermediate view otherwise
    upgraded = tmp_path / "dbt_project"
    shutil.copytree(frozen_dbt_project, upgraded, ignore=shutil.ignore_patterns("target", "logs"))
    renames = {old: new, "int_raw_row_flags_counted": "int_raw_row_flags_tallied"}
    intermediate = _relations(warehouse, "intermediate")
    snapshots = _relations(warehouse, "snapshots")
    assert "int_raw_row_flags_counted" in intermediate
    for path in [*upgraded.joinpath("models").rglob("*"), *upgraded.joinpath("tests").rglob("*")]:
        if path.suffix in (".sql", ".yml", ".md"):
            text = path.read_text()
            for before, after in renames.items():
                text = text.replace(before, after)
            path.write_text(text)
        if path.stem in renames:
            path.rename(path.with_stem(renames[path.stem]))
    monkeypatch.setenv("KLANTWAARDE_DBT_PROJECT_DIR", str(upgraded))

    summary = build(settings, None)
    assert set(summary.dropped) == {f"mart.{old}", "intermediate.int_raw_row_flags_counted"}
    mart = _relations(warehouse, "mart")
    assert new in mart and old not in mart
    assert _relations(warehouse, "intermediate") == (
        intermediate - {"int_raw_row_flags_counted"} | {"int_raw_row_flags_tallied"}
    )
    assert mart_rows(warehouse)[new] == issues
    publish(settings)
    published = _relations(settings.published_path, "mart")
    assert new in published and old not in published
    # the snapshots' history stays, and a night on the same version drops nothing
    assert _relations(warehouse, "snapshots") == snapshots
    assert build(settings, None).dropped == ()
