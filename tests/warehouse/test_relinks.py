"""Re-links on an ordinary night: the whole mart equals a full refresh, with nothing
deferred.

One night after the nightly-built warehouse's last drop, a CRM account and a
service-desk organisation that were matched by their ERP customer number since the first
month now name another ERP customer. The night rebuilds only its own months of the
facts at the source's grain; the marts map the two source ids' whole history to their
new customer at once."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, replace
from datetime import date, timedelta

import duckdb
import pytest

from klantwaarde.generate.relinks import write_relinking_night
from klantwaarde.settings import RunSettings

from .conftest import START, _load_and_build
from mart_helpers import mart_rows

pytestmark = pytest.mark.slow


@dataclass
class Relinked:
    night: RunSettings
    summary: object
    full: RunSettings
    moved: dict[tuple[str, str], tuple[str, str]]  # (system, id) -> (key before, key now)
    organization: str
    first_month: date


def _keys(settings: RunSettings) -> dict[tuple[str, str], str]:
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        rows = con.execute(
            "select system, source_id, customer_key from mart.bridge_customer_source"
        ).fetchall()
    return {(system, source_id): key for system, source_id, key in rows}


def _pick(settings: RunSettings, first_month: date) -> tuple[str, str, str, str]:
    """(account_id, organization_id, their ERP number now, another ERP number): a CRM
    account matched by account number with activities in the first month, and a
    service-desk organisation matched by external id with tickets in the first month."""
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        account = con.execute(
            """
            select a.account_id, a.account_number
            from mart.bridge_customer_source b
            join staging.stg_crm__accounts a on a.account_id = b.source_id
            join staging.stg_crm__activities t on t.account_id = a.account_id
            where b.system = 'crm' and b.match_method = 'account_number'
              and t.started_at < ?
            order by a.account_id limit 1
            """,
            [first_month.replace(month=first_month.month + 1)],
        ).fetchone()
        organization = con.execute(
            """
            select o.organization_id, o.external_id
            from mart.bridge_customer_source b
            join staging.stg_servicedesk__organizations o on o.organization_id = b.source_id
            join staging.stg_servicedesk__tickets t on t.organization_id = o.organization_id
            where b.system = 'servicedesk' and b.match_method = 'external_id'
              and t.created_at < ?
            order by o.organization_id limit 1
            """,
            [first_month.replace(month=first_month.month + 1)],
        ).fetchone()
        assert account and organization, "the sample should hold both kinds of match"
        other = con.execute(
            """
            select customer_no from staging.stg_erp__customers
            where customer_no not in (?, ?) order by customer_no limit 1
            """,
            [account[1], organization[1]],
        ).fetchone()[0]
    return account[0], organization[0], account[1], other


@pytest.fixture(scope="module")
def relinked(landing, nightly_build, tmp_path_factory) -> Relinked:
    root = tmp_path_factory.mktemp("relink")
    first_month = START.replace(day=1)
    account, organization, _, other = _pick(nightly_build.settings, first_month)
    land = root / "landing"
    shutil.copytree(landing, land)
    last = nightly_build.drops[-1]
    night = last + timedelta(days=1)
    write_relinking_night(land, last, night, {account: other}, {organization: other})

    warehouse = root / "nightly" / "warehouse.duckdb"
    warehouse.parent.mkdir()
    shutil.copy(nightly_build.settings.warehouse, warehouse)
    before = _keys(nightly_build.settings)
    settings = replace(nightly_build.settings, landing=land, warehouse=warehouse, as_of=night)
    summary = _load_and_build(settings, pass_touched_from=False)
    now = _keys(settings)
    moved = {
        source: (before[source], now[source])
        for source in (("crm", account), ("servicedesk", organization))
    }
    full = RunSettings(
        landing=land, warehouse=root / "full" / "warehouse.duckdb", as_of=night, full_refresh=True
    )
    _load_and_build(full)
    return Relinked(settings, summary, full, moved, organization, first_month)


def test_the_night_relinks_both_source_ids(relinked):
    for source, (before, now) in relinked.moved.items():
        assert before != now, source


def test_a_relink_rebuilds_no_history_of_the_facts(relinked):
    """Only the night's own month of the facts at the source's grain is rebuilt."""
    assert relinked.summary.rebuild_from == relinked.night.as_of.replace(day=1)
    assert relinked.summary.rebuild_from > relinked.first_month
    with duckdb.connect(str(relinked.night.warehouse), read_only=True) as con:
        tables = {
            row[0] for row in con.execute("select table_name from duckdb_tables()").fetchall()
        }
    assert "pending_relinks" not in tables


def test_the_whole_mart_equals_a_full_refresh(relinked):
    night, full = mart_rows(relinked.night.warehouse), mart_rows(relinked.full.warehouse)
    assert sorted(night) == sorted(full)
    for table in full:
        assert night[table] == full[table], table


def test_the_history_moves_with_the_source_id(relinked):
    """The organisation's first-month tickets count for its new customer, not the old."""
    old_key, new_key = relinked.moved[("servicedesk", relinked.organization)]
    with duckdb.connect(str(relinked.night.warehouse), read_only=True) as con:
        tickets = dict(
            con.execute(
                "select customer_key, ticket_count from mart.fct_customer_activity"
                " where period_month = ? and customer_key in (?, ?)",
                [relinked.first_month, old_key, new_key],
            ).fetchall()
        )
    assert tickets.get(new_key, 0) > 0
