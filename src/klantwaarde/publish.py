"""Publish the mart to a separate DuckDB file without locking any reader out.

BI tools never open the working warehouse (the pipeline holds it read-write while it
runs). They open `settings.published_path`. Publishing writes every `mart.*` relation
into a NEW file next to the published one, closes it, and then `os.replace`s it over
the published path: an atomic rename on one file system. A reader that is connected
to the old file keeps reading the old inode until it disconnects; every new
connection opens the new file. Nobody ever sees a half-written mart.

A night starts the new file as a copy of the published one, when that reflects the
previous build (`meta.publication`), and replaces only what the night wrote: in the
conformed-customer facts (`MAPPED_FACTS`) the months the build rebuilt and every month of
the customers it restated (`meta.build_restated_customers`), unless a changed project
rebuilt the fact whole (`meta.build_runs.rebuilt_whole`); in the tables the segment
and value steps keep one set of rows per as-of date (`checks.python_tables`), the
build's as-of date. Every other mart relation is copied whole.

The finance reconciliation is written beside it, one CSV per month
(`reconciliation/YYYY-MM.csv`), each replaced atomically too.
"""

from __future__ import annotations

import csv
import os
import shutil
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb

from klantwaarde.build_state import relation_exists
from klantwaarde.settings import RunSettings

MART_SCHEMA = "mart"
# incremental by the months rebuilt and the customers restated (macro mapped_rows_filter)
MAPPED_FACTS = (
    "fct_customer_profitability",
    "fct_cost_allocation",
    "fct_allocation_trace",
    "fct_customer_activity",
)
RECONCILIATION_COLUMNS = (
    "period_month",
    "cost_pool",
    "ledger_amount",
    "allocated_amount",
    "unallocated_amount",
    "difference",
    "quarantined_amount",
    "reconciliation_status",
)


@dataclass(frozen=True)
class PublishSummary:
    published_path: str
    tables: dict[str, int]
    reconciliation_files: list[str]

    def as_dict(self) -> dict:
        return {
            "published_path": self.published_path,
            "tables": self.tables,
            "reconciliation_files": self.reconciliation_files,
        }


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass(frozen=True)
class _Build:
    """The build a published file reflects (`meta.publication` in the published file)."""

    as_of: date
    built_at: datetime
    rebuild_from: date | None  # None: every month was rebuilt
    rebuilt_whole: list[str] | None = None  # models a changed project rebuilt whole

    def rebuilt_all_of(self, name: str) -> bool:
        """Whether a changed project rebuilt `mart.<name>` whole in this build."""
        return f"{MART_SCHEMA}.{name}" in (self.rebuilt_whole or [])


def last_builds(warehouse: Path, settings: RunSettings) -> list[_Build]:
    """The last two builds of the working warehouse, newest first."""
    con = duckdb.connect(str(warehouse), read_only=True, config=settings.duckdb.config())
    try:
        if not relation_exists(con, "meta.build_runs"):
            return []
        whole = (
            "rebuilt_whole"
            if con.execute(
                "select count(*) from duckdb_columns() where schema_name = 'meta'"
                " and table_name = 'build_runs' and column_name = 'rebuilt_whole'"
            ).fetchone()[0]
            else "null"
        )
        rows = con.execute(
            f"select as_of_date, built_at, rebuild_from_month, {whole} from meta.build_runs"
            " order by built_at desc limit 2"
        ).fetchall()
    finally:
        con.close()
    return [_Build(*row) for row in rows]


# The published file is written in the storage format of DuckDB 1.4, the oldest engine BI
# tools ship (Superset pins duckdb<2, Evidence's connector is on the 1.4 client); the
# working warehouse stays on the project's own DuckDB.
PUBLISHED_STORAGE_VERSION = "v1.4.0"


def _published_build(published: Path, settings: RunSettings) -> datetime | None:
    """built_at of the build the published file reflects (None: unknown, or a file in
    another storage format than PUBLISHED_STORAGE_VERSION: then it is not patched)."""
    if not published.exists():
        return None
    try:
        con = duckdb.connect(str(published), read_only=True, config=settings.duckdb.config())
    except duckdb.Error:
        return None
    try:
        tags = con.execute(
            "select tags from duckdb_databases() where database_name = current_database()"
        ).fetchone()[0]
        if dict(tags or {}).get("storage_version", "").rstrip("+") != PUBLISHED_STORAGE_VERSION:
            return None
        return con.execute("select max(built_at) from meta.publication").fetchone()[0]
    except duckdb.Error:
        return None
    finally:
        con.close()


def is_published_build_current(settings: RunSettings) -> bool:
    """Whether the published file reflects the working warehouse's last build (so that
    publishing again only adds what was written since, such as a scenario)."""
    builds = last_builds(settings.warehouse, settings)
    published = _published_build(settings.published_path, settings)
    return bool(builds) and published is not None and published == builds[0].built_at


def _columns(con: duckdb.DuckDBPyConnection, database: str | None, table: str) -> list[tuple]:
    """(name, type) of the columns of `mart.<table>` in `database` (None: the file's own)."""
    where = "database_name = ?" if database else "database_name = current_database()"
    return con.execute(
        f"select column_name, data_type from duckdb_columns()"
        f" where {where} and schema_name = ? and table_name = ? order by column_index",
        [database, MART_SCHEMA, table] if database else [MART_SCHEMA, table],
    ).fetchall()


def write_mart_copy(
    warehouse: Path,
    target: Path,
    settings: RunSettings,
    *,
    base: Path | None = None,
    build: _Build | None = None,
) -> dict[str, int]:
    """Copy every relation of schema `mart` of `warehouse` into the new file `target`.

    Tables and views both become plain tables (a view would point at schemas the
    published file does not have). Table and column comments (dbt `persist_docs`)
    are carried over so that BI tools show the documentation.

    With `base` (the published file of the previous build), `target` starts as a copy of
    `base`: the tables kept per as-of date only get the rows of `build.as_of` (when their
    columns are those of `base`), every other relation is copied whole. `build` is
    recorded in `meta.publication`.
    """
    counts: dict[str, int] = {}
    as_of_tables: frozenset[str] = frozenset()
    if base is not None:
        # imported here: the segment package brings pandas, which a whole copy never needs
        from klantwaarde.checks import python_tables

        as_of_tables = frozenset(python_tables())
        shutil.copyfile(base, target)
    config = {
        **settings.duckdb.config(),
        "storage_compatibility_version": PUBLISHED_STORAGE_VERSION,
    }
    con = duckdb.connect(str(target), config=config)
    try:
        con.execute(f"ATTACH {_literal(str(warehouse))} AS wh (READ_ONLY)")
        relations = con.execute(
            """
            select table_name, comment from duckdb_tables()
             where database_name = 'wh' and schema_name = ?
            union all
            select view_name, comment from duckdb_views()
             where database_name = 'wh' and schema_name = ? and not internal
            order by 1
            """,
            [MART_SCHEMA, MART_SCHEMA],
        ).fetchall()
        con.execute(f"create schema if not exists {MART_SCHEMA}")
        names = {name for name, _ in relations}
        for (old,) in con.execute(
            "select table_name from duckdb_tables()"
            " where database_name = current_database() and schema_name = ?",
            [MART_SCHEMA],
        ).fetchall():
            if old not in names:
                con.execute(f"drop table {MART_SCHEMA}.{_quote(old)}")
        for name, comment in relations:
            source = f"wh.{MART_SCHEMA}.{_quote(name)}"
            dest = f"{MART_SCHEMA}.{_quote(name)}"
            if (
                base is not None
                and build is not None
                and build.rebuild_from is not None
                and name in MAPPED_FACTS
                and not build.rebuilt_all_of(name)
                and _columns(con, "wh", name) == _columns(con, None, name)
            ):
                rows = (
                    f"period_month >= cast({_literal(build.rebuild_from.isoformat())} as date)"
                    " or customer_key in (select customer_key"
                    " from wh.meta.build_restated_customers)"
                )
                con.execute(f"delete from {dest} where {rows}")
                con.execute(f"insert into {dest} select * from {source} where {rows}")
            elif (
                base is not None
                and build is not None
                and name in as_of_tables
                and _columns(con, "wh", name) == _columns(con, None, name)
            ):
                day = _literal(build.as_of.isoformat())
                con.execute(f"delete from {dest} where as_of_date = cast({day} as date)")
                con.execute(
                    f"insert into {dest} select * from {source}"
                    f" where as_of_date = cast({day} as date)"
                )
            else:
                con.execute(f"create or replace table {dest} as select * from {source}")
            counts[name] = con.execute(f"select count(*) from {dest}").fetchone()[0]
            if comment:
                con.execute(f"comment on table {dest} is {_literal(comment)}")
            for column, col_comment in con.execute(
                """
                select column_name, comment from duckdb_columns()
                 where database_name = 'wh' and schema_name = ? and table_name = ?
                   and comment is not null
                """,
                [MART_SCHEMA, name],
            ).fetchall():
                con.execute(f"comment on column {dest}.{_quote(column)} is {_literal(col_comment)}")
        con.execute("detach wh")
        con.execute("create schema if not exists meta")
        con.execute(
            "create or replace table meta.publication ("
            " as_of_date date, built_at timestamp, rebuild_from_month date,"
            " patched boolean, published_at timestamp)"
        )
        if build is not None:
            con.execute(
                "insert into meta.publication values (?, ?, ?, ?, current_timestamp)",
                [build.as_of, build.built_at, build.rebuild_from, base is not None],
            )
        con.execute("checkpoint")
    finally:
        con.close()
    return counts


def write_reconciliation_csvs(warehouse: Path, out_dir: Path, settings: RunSettings) -> list[str]:
    """One CSV per month of `mart.reconciliation_ledger`, amounts with two decimals."""
    out_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(warehouse), read_only=True, config=settings.duckdb.config())
    try:
        rows = con.execute(
            f"""
            select {", ".join(RECONCILIATION_COLUMNS)}
              from {MART_SCHEMA}.reconciliation_ledger
             order by period_month, cost_pool
            """
        ).fetchall()
    finally:
        con.close()
    by_month: dict[str, list[tuple]] = {}
    for row in rows:
        by_month.setdefault(row[0].strftime("%Y-%m"), []).append(row)
    written = []
    for month, month_rows in sorted(by_month.items()):
        path = out_dir / f"{month}.csv"
        tmp = out_dir / f".{month}.{uuid.uuid4().hex}.tmp"
        with tmp.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(RECONCILIATION_COLUMNS)
            for period_month, pool, *amounts, status in month_rows:
                writer.writerow(
                    [period_month.isoformat(), pool]
                    + [f"{Decimal(str(a)).quantize(Decimal('0.01'))}" for a in amounts]
                    + [status]
                )
        os.replace(tmp, path)
        written.append(str(path))
    return written


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_temp_files(published_dir: Path) -> list[str]:
    """Delete what a killed publish left behind: its temp copy of the mart (named with
    the publishing process id; kept while that process lives), and temp CSVs. Returns
    the names removed."""
    removed: list[str] = []
    for folder in (published_dir, published_dir / "reconciliation"):
        if not folder.is_dir():
            continue
        for path in folder.iterdir():
            if not (path.name.startswith(".") and ".tmp" in path.name and path.is_file()):
                continue
            parts = path.name.split(".")
            digits = parts[2] if len(parts) > 2 else ""
            pid = int(digits) if digits.isdigit() and len(digits) <= 9 else None
            if pid is not None and pid != os.getpid() and _pid_alive(pid):
                continue
            path.unlink(missing_ok=True)
            removed.append(str(path.relative_to(published_dir)))
    return removed


def publish(settings: RunSettings) -> PublishSummary:
    """Copy the mart to a new file and swap it in atomically; write the finance CSVs.

    Call this only after every gate passed (the pipeline does): whatever is in the
    working warehouse's `mart` schema becomes what BI reads.
    """
    published = settings.published_path
    published.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temp_files(published.parent)
    tmp = published.parent / f".{published.stem}.{os.getpid()}.{uuid.uuid4().hex}.duckdb.tmp"
    builds = last_builds(settings.warehouse, settings)
    latest = builds[0] if builds else None
    # patch a copy of the published file when it reflects the build before this one and
    # this build was a night (a build of every month may have dropped later nights);
    # otherwise copy the whole mart
    patch = (
        len(builds) == 2
        and builds[0].rebuild_from is not None
        and _published_build(published, settings) == builds[1].built_at
    )
    try:
        counts = write_mart_copy(
            settings.warehouse,
            tmp,
            settings,
            base=published if patch else None,
            build=latest,
        )
        wal = Path(f"{tmp}.wal")
        if wal.exists():  # a clean close leaves none; never publish a file that needs one
            raise RuntimeError(f"unexpected write-ahead log left beside {tmp}")
        _fsync(tmp)
        os.replace(tmp, published)
        _fsync(published.parent)
    finally:
        for leftover in (tmp, Path(f"{tmp}.wal")):
            if leftover.exists():
                leftover.unlink()
    files = write_reconciliation_csvs(settings.warehouse, settings.reconciliation_dir, settings)
    return PublishSummary(str(published), counts, files)
