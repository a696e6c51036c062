"""Re-links (a source id matched to another customer) and the months they restate.

Each case starts from a copy of the nightly-built warehouse and rewrites the bridge the
previous build saved (`meta.build_bridge`), as if one service-desk organization with
tickets in the first month had belonged to another customer until tonight."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import date

import duckdb
import pytest

from klantwaarde.build import UNASSIGNED_CUSTOMER_KEY, build

pytestmark = pytest.mark.slow

GONE_KEY = "f" * 32  # a customer_key no customer has any more (merged away)


@pytest.fixture
def relinked(nightly_build, tmp_path):
    """(settings, organization_id, first month): a copy whose previous bridge had
    another key for one organization."""
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(nightly_build.settings.warehouse, warehouse)
    settings = replace(nightly_build.settings, warehouse=warehouse)
    first_month = nightly_build.drops[0].replace(month=1, day=1)
    with duckdb.connect(str(warehouse)) as con:
        row = con.execute(
            """
            select b.source_id
            from mart.bridge_customer_source b
            join staging.stg_servicedesk__tickets t on t.organization_id = b.source_id
            where b.system = 'servicedesk' and b.customer_key <> ?
            group by b.source_id
            having min(t.created_at) < ?
            order by b.source_id
            limit 1
            """,
            [UNASSIGNED_CUSTOMER_KEY, first_month.replace(month=2)],
        ).fetchone()
    assert row, "the sample should hold a matched organization with tickets in month 1"
    return settings, row[0], first_month


def _set_previous_key(settings, organization_id: str, key: str) -> None:
    with duckdb.connect(str(settings.warehouse)) as con:
        con.execute(
            "update meta.build_bridge set customer_key = ?"
            " where system = 'servicedesk' and source_id = ?",
            [key, organization_id],
        )


def _pending(settings) -> list[tuple]:
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        return con.execute("select system, source_id from meta.pending_relinks").fetchall()


def test_a_relink_waits_for_the_month_close_then_restates_history(relinked):
    settings, organization_id, first_month = relinked
    settings = replace(settings, relink_restatement="month_close")
    _set_previous_key(settings, organization_id, UNASSIGNED_CUSTOMER_KEY)

    night = build(settings)  # the same night again: no new month
    assert night.rebuild_from > first_month, night.reasons
    assert any("at the month close" in reason for reason in night.reasons), night.reasons
    assert _pending(settings) == [("servicedesk", organization_id)]

    # the first build of the next month restates the deferred re-link's history
    next_month = replace(settings, as_of=date(settings.as_of.year, settings.as_of.month + 1, 1))
    close = build(next_month)
    assert close.rebuild_from == first_month, close.reasons
    assert any("deferred re-links restated" in reason for reason in close.reasons)
    assert _pending(next_month) == []


def test_a_relink_from_a_merged_away_customer_restates_at_once(relinked):
    """Facts left under a key no customer has would point at nothing: no waiting."""
    settings, organization_id, first_month = relinked
    _set_previous_key(settings, organization_id, GONE_KEY)
    # and the facts of its customer as the previous build left them: under the old key
    with duckdb.connect(str(settings.warehouse)) as con:
        activity = "select * from mart.fct_customer_activity order by all"
        built = con.execute(activity).fetchall()
        con.execute(
            """
            update mart.fct_customer_activity set customer_key = ?
            where customer_key = (select customer_key from mart.bridge_customer_source
                                  where system = 'servicedesk' and source_id = ?)
            """,
            [GONE_KEY, organization_id],
        )
    night = build(replace(settings, relink_restatement="month_close"))
    assert night.rebuild_from == first_month, night.reasons
    assert _pending(settings) == []
    # every month of those facts is restated under the new key
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        assert con.execute(activity).fetchall() == built


def test_policy_nightly_restates_every_relink_at_once(relinked):
    settings, organization_id, first_month = relinked
    _set_previous_key(settings, organization_id, UNASSIGNED_CUSTOMER_KEY)
    night = build(replace(settings, relink_restatement="nightly"))
    assert night.rebuild_from == first_month, night.reasons
    assert _pending(settings) == []


def test_an_unknown_policy_is_refused(relinked):
    settings, _, _ = relinked
    with pytest.raises(ValueError, match="relink_restatement"):
        replace(settings, relink_restatement="weekly")
