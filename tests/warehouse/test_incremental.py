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


def _manifest_and_ran(built) -> tuple[dict, set[str]]:
    """(the project's manifest, unique_ids of the nodes the last build ran)."""
    target = built.settings.output_dir / "dbt_target"
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    ran = set()
    for path in (target / "invocations").glob("*.json"):
        results = json.loads(path.read_text(encoding="utf-8"))["results"]
        ran |= {r["unique_id"] for r in results}
    return manifest, ran


def _unit_tests_run(built) -> tuple[set[str], set[str]]:
    """(unit tests of the project, unit tests the last build ran)."""
    manifest, ran = _manifest_and_ran(built)
    return set(manifest["unit_tests"]), {uid for uid in ran if uid.startswith("unit_test.")}


def test_unit_tests_run_on_a_full_build_not_every_night(nightly_build, full_build):
    project, ran = _unit_tests_run(full_build)
    assert project and ran == project
    _, ran_tonight = _unit_tests_run(nightly_build)
    assert ran_tonight == set()


def _seed_tests_run(built) -> tuple[set[str], set[str]]:
    """(data tests of the seeds alone, those of them the last build ran)."""
    manifest, ran = _manifest_and_ran(built)
    seed_tests = {
        uid
        for uid, node in manifest["nodes"].items()
        if node["resource_type"] == "test"
        and node["depends_on"]["nodes"]
        and all(parent.startswith("seed.") for parent in node["depends_on"]["nodes"])
    }
    return seed_tests, seed_tests & ran


def test_seed_tests_run_when_the_seeds_load_not_every_night(nightly_build, full_build):
    """The seeds' own tests run on the build that loads them; a night that leaves the
    seeds as they are (same fingerprint) does not test the same CSVs again. A changed
    seed is tested again: test_tested_months.test_a_changed_seed_is_tested_again."""
    seed_tests, ran = _seed_tests_run(full_build)
    assert seed_tests and ran == seed_tests
    _, ran_tonight = _seed_tests_run(nightly_build)
    assert ran_tonight == set()
    other_tests_tonight = {
        uid for uid in _manifest_and_ran(nightly_build)[1] if uid.startswith("test.")
    }
    assert other_tests_tonight  # the night still ran the tests of what it built


@pytest.mark.parametrize("table", COMPARED)
def test_incremental_mart_equals_full_build(nightly_build, full_build, table):
    assert nightly_build.settings.as_of == full_build.settings.as_of
    incremental = _rows(nightly_build, table)
    full = _rows(full_build, table)
    assert len(incremental) == len(full)
    assert incremental == full
