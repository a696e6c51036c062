"""klantwaarde.rebuild.plan: the months a build rebuilds, without a database."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from klantwaarde.rebuild import PreviousBuild, Tonight, plan

PREVIOUS = PreviousBuild(
    as_of=date(2025, 3, 30),
    seeds_sha256="seeds",
    project_sha256="project",
    raw_loaded_until=datetime(2025, 3, 31, 1, 0),
)
TONIGHT = Tonight(
    as_of=date(2025, 3, 31),
    seeds_sha256="seeds",
    project_sha256="project",
    staged_until=date(2025, 3, 30),
    erp_staged_until=date(2025, 3, 30),
)


def test_an_ordinary_night_rebuilds_the_previous_as_of_month():
    night = plan(PREVIOUS, TONIGHT)
    assert night.rebuild_from == date(2025, 3, 1)
    assert not night.full_refresh and not night.everything
    assert night.reasons == ("previous as-of month 2025-03-01",)


def test_the_first_night_of_a_month_rebuilds_the_month_before():
    """Receivables of the previous as-of month keep accruing up to the horizon."""
    night = plan(PREVIOUS, replace(TONIGHT, as_of=date(2025, 4, 1)))
    assert night.rebuild_from == date(2025, 3, 1)


def test_the_earliest_reason_wins():
    night = plan(
        PREVIOUS,
        replace(
            TONIGHT,
            load_touched_from=date(2025, 3, 17),
            changed_rows_from=date(2025, 1, 20),
            erp_staged_until=date(2025, 2, 27),
        ),
    )
    assert night.rebuild_from == date(2025, 1, 1)
    assert night.reasons == (
        "load touched 2025-03-01",
        "previous as-of month 2025-03-01",
        "receivables horizon of the last build in 2025-02-01",
        "row versions since the last build reach back to 2025-01-01",
    )


def test_every_month_with_dbt_full_refresh():
    cases = {
        "first build of this warehouse": (None, TONIGHT),
        "full refresh requested": (PREVIOUS, replace(TONIGHT, full_refresh_requested=True)),
        "the dbt project changed since the last build": (
            PREVIOUS,
            replace(TONIGHT, project_sha256="upgraded"),
        ),
        "as-of date before the date already staged": (
            PREVIOUS,
            replace(TONIGHT, as_of=date(2025, 3, 29)),
        ),
    }
    for reason, (previous, tonight) in cases.items():
        night = plan(previous, tonight)
        assert (night.everything, night.full_refresh, night.reasons) == (True, True, (reason,))


def test_a_changed_seed_rebuilds_every_month_and_keeps_the_staged_rows():
    night = plan(PREVIOUS, replace(TONIGHT, seeds_sha256="new rates"))
    assert night.everything and not night.full_refresh
    assert night.reasons == ("a seed or the config changed",)


def test_a_failed_build_that_staged_a_later_drop_restates_everything():
    night = plan(PREVIOUS, replace(TONIGHT, staged_until=date(2025, 4, 2)))
    assert night.everything and night.full_refresh


def test_a_missing_fact_table_rebuilds_every_month_without_recreating_the_rest():
    night = plan(PREVIOUS, replace(TONIGHT, missing_facts=("intermediate.int_cost_allocations",)))
    assert night.everything and not night.full_refresh
    assert night.reasons == ("intermediate.int_cost_allocations missing",)


def test_a_changed_project_restates_what_it_changed_on_an_ordinary_night():
    """With the previous parse to compare with, dbt finds the changed models; the rest of
    the build is the night the data asks for."""
    upgraded = replace(TONIGHT, project_sha256="upgraded", changes_comparable=True)
    night = plan(PREVIOUS, upgraded)
    assert night.restate_modified and not night.full_refresh
    assert night.rebuild_from == date(2025, 3, 1)
    assert night.reasons == (
        "the dbt project changed since the last build: the models it changed rebuilt whole",
        "previous as-of month 2025-03-01",
    )
    seeds_too = plan(PREVIOUS, replace(upgraded, seeds_sha256="new rates"))
    assert seeds_too.restate_modified and seeds_too.everything and not seeds_too.full_refresh
    moved_back = plan(PREVIOUS, replace(upgraded, as_of=date(2025, 3, 29)))
    assert moved_back.full_refresh and not moved_back.restate_modified


def test_an_unchanged_project_restates_nothing_whole():
    assert not plan(PREVIOUS, replace(TONIGHT, changes_comparable=True)).restate_modified
