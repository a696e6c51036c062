"""An upgraded dbt project on an existing warehouse rebuilds every month itself."""

from __future__ import annotations

import shutil
from dataclasses import replace

import duckdb
import pytest

from klantwaarde.build import build

pytestmark = pytest.mark.slow

FACT = "mart.fct_customer_profitability"


def _rows(warehouse, table: str) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(f"select * from {table} order by all").fetchall()
    finally:
        con.close()


def test_a_changed_model_rebuilds_everything_with_full_refresh(
    full_build, frozen_dbt_project, tmp_path, monkeypatch
):
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(full_build.settings.warehouse, warehouse)
    settings = replace(full_build.settings, warehouse=warehouse, full_refresh=False)
    before = _rows(warehouse, FACT)

    unchanged = build(settings, None)
    assert not unchanged.full_refresh
    assert unchanged.rebuild_from is not None

    upgraded = tmp_path / "dbt_project"
    shutil.copytree(frozen_dbt_project, upgraded, ignore=shutil.ignore_patterns("target", "logs"))
    model = upgraded / "models" / "marts" / "finance" / "fct_customer_profitability.sql"
    model.write_text(model.read_text() + "\n-- upgraded definition\n")
    monkeypatch.setenv("KLANTWAARDE_DBT_PROJECT_DIR", str(upgraded))

    after_upgrade = build(settings, None)
    assert after_upgrade.full_refresh
    assert after_upgrade.rebuild_from is None
    assert any("dbt project changed" in reason for reason in after_upgrade.reasons)
    assert _rows(warehouse, FACT) == before

    next_night = build(settings, None)
    assert not next_night.full_refresh
