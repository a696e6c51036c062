"""Nights move forward: a run for an earlier as-of date than the last one built.

An Airflow clear or backfill, or a typo on the command line, asks for a night before the
last one the warehouse built. Rebuilding the facts as of that date while the tables that
keep one set of rows per as-of date (segments, future value) still hold the later nights
would publish a mart that contradicts itself. So:

- without `--full-refresh` such a run stops before it loads anything, with one line;
- with it, everything is restated as of that date: the rows of every later as-of date are
  removed from every `mart` table that is keyed by `as_of_date`, and the build rebuilds
  every month (build.py does that for an earlier date), so the published mart is what a
  fresh warehouse would publish for that night.

Re-running the last night itself is always allowed (it is harmless).
"""

from __future__ import annotations

from datetime import date

import duckdb

from klantwaarde.build_state import relation_exists
from klantwaarde.errors import KlantwaardeError


class NightOrderError(KlantwaardeError):
    """The as-of date is before the last night built, and no restatement was asked for."""


def last_night(con: duckdb.DuckDBPyConnection) -> date | None:
    """The as-of date of the warehouse's latest build (None: it never built); after a
    restatement that is the restated date, not the later nights built before it."""
    if not relation_exists(con, "meta.build_runs"):
        return None
    row = con.execute(
        "select as_of_date from meta.build_runs order by built_at desc limit 1"
    ).fetchone()
    return row[0] if row else None


def as_of_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The `mart` tables that keep one set of rows per as-of date."""
    rows = con.execute(
        """
        select distinct table_name from duckdb_columns()
         where database_name = current_database() and schema_name = 'mart'
           and column_name = 'as_of_date'
           and table_name in (
               select table_name from duckdb_tables()
                where database_name = current_database() and schema_name = 'mart')
         order by 1
        """
    ).fetchall()
    return [name for (name,) in rows]


def check_order(con: duckdb.DuckDBPyConnection, as_of: date, restate: bool) -> date | None:
    """Raise NightOrderError when `as_of` is before the last night and `restate` is off.

    Returns the last night built (None: none)."""
    last = last_night(con)
    if last is not None and as_of < last and not restate:
        raise NightOrderError(
            f"as-of date {as_of.isoformat()} is before the last night built, "
            f"{last.isoformat()}: a night does not move the mart back; run it with "
            f"--full-refresh (DAG param full_refresh) to restate everything as of "
            f"{as_of.isoformat()}"
        )
    return last


def forget_later_nights(con: duckdb.DuckDBPyConnection, as_of: date) -> dict[str, int]:
    """Delete the rows of as-of dates after `as_of` from every as-of-keyed mart table."""
    removed: dict[str, int] = {}
    for table in as_of_tables(con):
        count = con.execute(
            f'select count(*) from mart."{table}" where as_of_date > ?', [as_of]
        ).fetchone()[0]
        if count:
            con.execute(f'delete from mart."{table}" where as_of_date > ?', [as_of])
            removed[table] = int(count)
    return removed
