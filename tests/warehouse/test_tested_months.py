"""The tests of the incremental facts check the months a build rebuilt (macro
tested_months_filter / the `__rebuild_from_month__` placeholder): a duplicate key in a
rebuilt month fails them, one in an older month only fails a build of every month. The
key tests of the incremental staging tables likewise check the rows a night staged
(`__staged_by_this_build__`). The tests of the seeds alone run when a build loads them."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace

import duckdb
import pytest

from klantwaarde import build
from klantwaarde.build import _vars, invoke
from klantwaarde.errors import BuildError

pytestmark = pytest.mark.slow


def _test_facts(settings, rebuild_from) -> None:
    invoke(
        settings,
        [
            "test",
            "--select",
            "fct_cost_allocation",
            "--vars",
            json.dumps(
                {"as_of_date": settings.as_of.isoformat(), "rebuild_from_month": rebuild_from}
            ),
        ],
        what="test",
    )


@pytest.fixture
def night_copy(nightly_build, tmp_path):
    """The settings of a copy of the nightly-built warehouse."""
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(nightly_build.settings.warehouse, warehouse)
    return replace(nightly_build.settings, warehouse=warehouse)


def test_fact_tests_check_the_rebuilt_months(night_copy):
    settings = night_copy
    with duckdb.connect(str(settings.warehouse)) as con:
        first, last = con.execute(
            "select min(period_month), max(period_month) from mart.fct_cost_allocation"
        ).fetchone()
        con.execute(  # a duplicate key in the first month
            "insert into mart.fct_cost_allocation select * from mart.fct_cost_allocation"
            " where period_month = ? limit 1",
            [first],
        )
    _test_facts(settings, last.isoformat())  # the first month is not rebuilt: not tested
    with pytest.raises(BuildError, match="primary_key_fct_cost_allocation"):
        _test_facts(settings, first.isoformat())
    with pytest.raises(BuildError, match="primary_key_fct_cost_allocation"):
        _test_facts(settings, None)  # a build of every month tests every month


def test_a_nights_staging_tests_check_the_rows_it_staged(night_copy):
    """On a night the tests of the incremental staging tables read the rows that night
    staged (delete+insert on the key replaces every stored row of a staged key, so a
    duplicate can only come in with them; the other rows were tested when they were
    staged), not the whole table, which grows with every night; a build of every month
    checks every row."""
    settings = night_copy
    with duckdb.connect(str(settings.warehouse)) as con:
        # the previous build's state, as the last night's build passed it
        loaded_after, as_of_before = con.execute(
            "select raw_loaded_until, as_of_date from meta.build_runs"
            " order by built_at desc limit 1 offset 1"
        ).fetchone()
        rebuild_from = con.execute(
            "select rebuild_from_month from meta.build_runs order by built_at desc limit 1"
        ).fetchone()[0]
        assert rebuild_from is not None
        # a duplicate of a row staged before the last night, without its invoice date
        old = con.execute(
            "insert into staging.stg_erp__invoice_lines select * replace (null as invoice_date)"
            " from staging.stg_erp__invoice_lines where loaded_at <= ? and extract_date <= ?"
            " order by invoice_no, line_no limit 1",
            [loaded_after, as_of_before],
        ).fetchone()[0]
        assert old == 1
    night = _vars(settings, rebuild_from, rebuild_from, (loaded_after, as_of_before))
    every_month = _vars(settings, None)
    test = ["test", "--select", "stg_erp__invoice_lines,test_type:generic"]

    invoke(settings, [*test, "--vars", night], what="night's staging tests")
    with pytest.raises(BuildError, match="primary_key_stg_erp__invoice_lines") as raised:
        invoke(settings, [*test, "--vars", every_month], what="staging tests of every row")
    assert "not_null_stg_erp__invoice_lines_invoice_date" in str(raised.value)

    # a duplicate among the rows the last night staged fails the night's test
    with duckdb.connect(str(settings.warehouse)) as con:
        new = con.execute(
            "insert into staging.stg_erp__invoice_lines select * from"
            " staging.stg_erp__invoice_lines where loaded_at > ?"
            " order by invoice_no, line_no limit 1",
            [loaded_after],
        ).fetchone()[0]
        assert new == 1
    with pytest.raises(BuildError, match="primary_key_stg_erp__invoice_lines"):
        invoke(settings, [*test, "--vars", night], what="night's staging tests")


def test_a_changed_seed_is_tested_again(night_copy, frozen_dbt_project, tmp_path, monkeypatch):
    """A night skips the seeds' own tests while the seeds are those of the last build; a
    changed seed is loaded again, and a build that loads seeds runs their tests: a rate
    listed twice stops it, naming the test."""
    project = tmp_path / "dbt_project"
    shutil.copytree(frozen_dbt_project, project)
    monkeypatch.setenv("KLANTWAARDE_DBT_PROJECT_DIR", str(project))
    rates = project / "seeds" / "fx_rates.csv"
    lines = rates.read_text(encoding="utf-8").splitlines()
    rates.write_text("\n".join([*lines, lines[-1]]) + "\n", encoding="utf-8")
    with pytest.raises(BuildError, match="unique_fx_rates_currency"):
        build.build(night_copy)
