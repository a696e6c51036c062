"""Night by night (incremental, whole months) gives exactly the mart of one build with
--full-refresh."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.slow

COMPARED = (
    "fct_customer_profitability",
    "fct_cost_allocation",
    "reconciliation_ledger",
    "fct_allocation_trace",
    "fct_customer_activity",
    "fct_customer_value_window",
    "bridge_customer_source",
    "dim_customer",
)


def _rows(built, table: str) -> list[tuple]:
    with built.connect() as con:
        return con.execute(f"select * from mart.{table} order by all").fetchall()


def test_nightly_builds_were_incremental(nightly_build):
    first, *later = nightly_build.summaries
    assert first.rebuild_from is None
    assert first.reasons == ("first build of this warehouse",)
    assert later, "the landing zone should hold several nights"
    for summary in later:
        assert summary.rebuild_from is not None, summary.reasons
    # the nights rebuild the last months only, not the whole history
    first_month = nightly_build.drops[0].replace(month=1, day=1)
    assert all(summary.rebuild_from > first_month for summary in later), [
        (summary.rebuild_from, summary.reasons) for summary in later
    ]


def test_nights_do_not_parse_the_project_again(nightly_build):
    """The nights' vars change every night; the project is parsed without them, so dbt
    reuses its saved parse: only the first build parses from scratch."""
    logs = nightly_build.settings.output_dir / "dbt_target" / "logs"
    lines = [
        line
        for path in sorted(logs.glob("dbt.log*"))
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines()
    ]
    full_parses = [line for line in lines if "Unable to do partial parsing" in line]
    assert len(nightly_build.summaries) > 1
    assert len(full_parses) == 1, full_parses


def _unit_tests_run(built) -> tuple[set[str], set[str]]:
    """(unit tests of the project, unit tests the last build ran)."""
    target = built.settings.output_dir / "dbt_target"
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    ran = set()
    for path in (target / "invocations").glob("*.json"):
        results = json.loads(path.read_text(encoding="utf-8"))["results"]
        ran |= {r["unique_id"] for r in results if r["unique_id"].startswith("unit_test.")}
    return set(manifest["unit_tests"]), ran


def test_unit_tests_run_on_a_full_build_not_every_night(nightly_build, full_build):
    project, ran = _unit_tests_run(full_build)
    assert project and ran == project
    _, ran_tonight = _unit_tests_run(nightly_build)
    assert ran_tonight == set()


@pytest.mark.parametrize("table", COMPARED)
def test_incremental_mart_equals_full_build(nightly_build, full_build, table):
    assert nightly_build.settings.as_of == full_build.settings.as_of
    incremental = _rows(nightly_build, table)
    full = _rows(full_build, table)
    assert len(incremental) == len(full)
    assert incremental == full
