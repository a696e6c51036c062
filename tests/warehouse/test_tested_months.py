"""The tests of the facts at the source's grain check the months a build rebuilt (the
`__rebuild_from_month__` placeholder): a duplicate key in a rebuilt month fails them,
one in an older month only fails a build of every month. The conformed-customer marts,
rebuilt whole, are tested whole. The key tests of the staged deltas check
the rows a night staged (`__staged_by_this_build__`). The tests of the seeds alone run
when a build loads them. And the dbt tests own the rules about the models: a planted
fault in the bridge, the ledger or a customer name stops a build, naming the test."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace

import duckdb
import pytest

from klantwaarde import build
from klantwaarde.build import _vars
from klantwaarde.dbt_invoke import invoke
from klantwaarde.errors import BuildError

pytestmark = pytest.mark.slow

UNASSIGNED = "0" * 32  # macro unassigned_customer_key(): restated on every build


def _test(settings, rebuild_from, select: str = "int_cost_allocations") -> None:
    invoke(
        settings,
        [
            "test",
            "--select",
            select,
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
            "select min(period_month), max(period_month) from intermediate.int_cost_allocations"
        ).fetchone()
        con.execute(  # a duplicate key in the first month
            "insert into intermediate.int_cost_allocations"
            " select * from intermediate.int_cost_allocations"
            " where period_month = ? and system is not null limit 1",
            [first],
        )
    _test(settings, last.isoformat())  # the first month is not rebuilt: not tested
    with pytest.raises(BuildError, match="unique_combination_int_cost_allocations"):
        _test(settings, first.isoformat())
    with pytest.raises(BuildError, match="unique_combination_int_cost_allocations"):
        _test(settings, None)  # a build of every month tests every month


def test_the_conformed_customer_marts_test_the_rows_the_build_wrote(night_copy):
    """The marts' tests read the months the build rebuilt and every month of the
    customers it restated (the unassigned member always): a duplicate in an older month
    of another customer only fails a build of every month."""
    settings = night_copy
    with duckdb.connect(str(settings.warehouse)) as con:
        first, last = con.execute(
            "select min(period_month), max(period_month) from mart.fct_cost_allocation"
        ).fetchone()
        con.execute(
            "insert into mart.fct_cost_allocation select * from mart.fct_cost_allocation"
            " where period_month = ? and customer_key <> ? limit 1",
            [first, UNASSIGNED],
        )
    _test(settings, last.isoformat(), "fct_cost_allocation")
    with pytest.raises(BuildError, match="primary_key_fct_cost_allocation"):
        _test(settings, None, "fct_cost_allocation")
    with duckdb.connect(str(settings.warehouse)) as con:
        con.execute(
            "delete from mart.fct_cost_allocation where period_month = ? and customer_key <> ?",
            [first, UNASSIGNED],
        )
        con.execute(
            "insert into mart.fct_cost_allocation select * from mart.fct_cost_allocation"
            " where customer_key = ? limit 1",
            [UNASSIGNED],
        )
    with pytest.raises(BuildError, match="primary_key_fct_cost_allocation"):
        _test(settings, last.isoformat(), "fct_cost_allocation")


@pytest.mark.parametrize(
    ("plant", "select", "test"),
    [
        (
            "insert into mart.bridge_customer_source select * replace ('k' as customer_key)"
            " from mart.bridge_customer_source where system = 'crm' limit 1",
            "bridge_customer_source",
            "primary_key_bridge_customer_source",
        ),
        (
            "update mart.reconciliation_ledger set allocated_amount = allocated_amount + 0.01"
            " where (period_month, cost_pool) in (select (period_month, cost_pool)"
            " from mart.reconciliation_ledger order by all limit 1)",
            "reconciliation_ledger",
            "assert_reconciliation_difference_is_zero",
        ),
        (
            "update mart.dim_customer set customer_name = 'jan@example.nl'"
            " where customer_key = (select min(customer_key) from mart.dim_customer)",
            "assert_no_email_address_in_the_mart",
            "assert_no_email_address_in_the_mart",
        ),
    ],
    ids=["bridge", "ledger", "e-mail"],
)
def test_the_dbt_tests_own_the_rules_of_the_models(night_copy, plant, select, test):
    with duckdb.connect(str(night_copy.warehouse)) as con:
        con.execute(plant)
    with pytest.raises(BuildError, match=test) as raised:
        _test(night_copy, None, select)
    assert "jan@example.nl" not in str(raised.value)


def _duplicate_raw_version(
    con: duckdb.DuckDBPyConnection, where: str, params: list, **replaced: str
) -> int:
    """Append to the raw table a copy of one staged invoice line (from another file, so
    that the superseded versions do not know it: the view shows both); returns rows."""
    source_file, line_no = con.execute(
        "select source_file, source_line_no from staging.stg_erp__invoice_lines"
        f" where {where} order by invoice_no, line_no limit 1",
        params,
    ).fetchone()
    replace_list = ", ".join(
        [f"{value} as {column}" for column, value in replaced.items()]
        + ["'erp/test/duplicate.csv' as _source_file"]
    )
    return con.execute(
        f"insert into raw_erp.invoice_lines select * replace ({replace_list})"
        " from raw_erp.invoice_lines where _source_file = ? and _line_no = ?",
        [source_file, line_no],
    ).fetchone()[0]


def test_a_nights_staging_tests_check_the_rows_it_staged(night_copy):
    """On a night the tests of the staged deltas read the rows that are new to staging
    (a new version supersedes the previous one, so a duplicate can only come in with
    them; the other rows were tested when they were staged), not every version, which
    grows with every night; a build of every month checks every row."""
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
        old = _duplicate_raw_version(
            con,
            "loaded_at <= ? and extract_date <= ?",
            [loaded_after, as_of_before],
            invoice_date="null",
        )
        assert old == 1
    night = _vars(settings, rebuild_from, (loaded_after, as_of_before))
    every_month = _vars(settings, None)
    test = ["test", "--select", "stg_erp__invoice_lines,test_type:generic"]

    invoke(settings, [*test, "--vars", night], what="night's staging tests")
    with pytest.raises(BuildError, match="primary_key_stg_erp__invoice_lines") as raised:
        invoke(settings, [*test, "--vars", every_month], what="staging tests of every row")
    assert "not_null_stg_erp__invoice_lines_invoice_date" in str(raised.value)

    # a duplicate among the rows the last night staged fails the night's test
    with duckdb.connect(str(settings.warehouse)) as con:
        new = _duplicate_raw_version(con, "loaded_at > ?", [loaded_after])
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
