"""The tests of the incremental facts check the months a build rebuilt (macro
tested_months_filter / the `__rebuild_from_month__` placeholder): a duplicate key in a
rebuilt month fails them, one in an older month only fails a build of every month."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace

import duckdb
import pytest

from klantwaarde.build import invoke
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


def test_fact_tests_check_the_rebuilt_months(nightly_build, tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(nightly_build.settings.warehouse, warehouse)
    settings = replace(nightly_build.settings, warehouse=warehouse)
    with duckdb.connect(str(warehouse)) as con:
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
