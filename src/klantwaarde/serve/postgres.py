"""Publish every table of schema `mart` of the published DuckDB file into PostgreSQL.

One transaction: the tables are created in a new schema and loaded with COPY (DuckDB
writes each table as CSV, PostgreSQL reads it from STDIN), then the new schema takes the
name `mart` and the old one is dropped. A BI query sees the old mart or the new one,
never a mix: until the commit nobody sees the new schema, and the old tables are dropped
only once the queries reading them have finished (their lock holds the DROP back).

The BI role (`KLANTWAARDE_POSTGRES_BI_ROLE`, default `klantwaarde_bi`) is granted USAGE on
`mart` and SELECT on its tables, and nothing else: no CREATE anywhere, no TEMP, no other
schema. Money stays numeric(18,2), dates stay dates.
"""

from __future__ import annotations

import os
import re
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from klantwaarde.errors import KlantwaardeError

DEFAULT_BI_ROLE = "klantwaarde_bi"
SCHEMA = "mart"


class PostgresPublishError(KlantwaardeError):
    """Publishing to PostgreSQL failed (one line, no password)."""


@dataclass
class PostgresSummary:
    tables: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    bi_role: str = DEFAULT_BI_ROLE

    def as_dict(self) -> dict:
        return {"tables": self.tables, "seconds": round(self.seconds, 2), "bi_role": self.bi_role}


_SIMPLE = {
    "VARCHAR": "text",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
    "BOOLEAN": "boolean",
    "TINYINT": "smallint",
    "SMALLINT": "smallint",
    "INTEGER": "integer",
    "BIGINT": "bigint",
    "UTINYINT": "smallint",
    "USMALLINT": "integer",
    "UINTEGER": "bigint",
    "UBIGINT": "numeric(20,0)",
    "HUGEINT": "numeric(38,0)",
    "DOUBLE": "double precision",
    "FLOAT": "real",
    "TIME": "time",
    "UUID": "uuid",
}


def pg_type(duckdb_type: str) -> tuple[str, bool]:
    """(PostgreSQL type, whether DuckDB must cast the value to text for the CSV)."""
    if duckdb_type in _SIMPLE:
        return _SIMPLE[duckdb_type], False
    decimal = re.fullmatch(r"DECIMAL\((\d+),(\d+)\)", duckdb_type)
    if decimal:
        return f"numeric({decimal.group(1)},{decimal.group(2)})", False
    return "text", True  # lists, structs, maps: their text form


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def masked(text: str) -> str:
    """A message without the password of a DSN or a password= parameter."""
    text = re.sub(r"(://[^:/@\s]+:)[^@\s]+@", r"\1***@", text)
    return re.sub(r"(password\s*=\s*)\S+", r"\1***", text, flags=re.IGNORECASE)


def publish_to_postgres(
    published_mart: Path, dsn: str, bi_role: str | None = None
) -> PostgresSummary:
    import psycopg

    bi_role = bi_role or os.environ.get("KLANTWAARDE_POSTGRES_BI_ROLE", DEFAULT_BI_ROLE)
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", bi_role):
        raise PostgresPublishError(f"PostgreSQL publish: BI role name {bi_role!r} is not plain")
    started = time.perf_counter()
    summary = PostgresSummary(bi_role=bi_role)
    source = duckdb.connect(str(published_mart), read_only=True)
    staging = f"{SCHEMA}_next_{os.getpid()}"
    retired = f"{SCHEMA}_old_{os.getpid()}"
    try:
        columns: dict[str, list[tuple[str, str]]] = {}
        for table, column, data_type in source.execute(
            "select table_name, column_name, data_type from duckdb_columns() "
            "where schema_name = ? order by table_name, column_index",
            [SCHEMA],
        ).fetchall():
            columns.setdefault(table, []).append((column, data_type))
        with (
            tempfile.TemporaryDirectory(prefix="klantwaarde-pg-") as scratch,
            psycopg.connect(dsn, autocommit=False) as pg,
        ):
            with pg.cursor() as cur:
                cur.execute(f"create schema {_ident(staging)}")
                for table, cols in columns.items():
                    body = ", ".join(f"{_ident(c)} {pg_type(t)[0]}" for c, t in cols)
                    cur.execute(f"create table {_ident(staging)}.{_ident(table)} ({body})")
                    select = ", ".join(
                        f"cast({_ident(c)} as varchar)" if pg_type(t)[1] else _ident(c)
                        for c, t in cols
                    )
                    csv_path = Path(scratch) / f"{table}.csv"
                    source.execute(
                        f"copy (select {select} from {SCHEMA}.{_ident(table)}) "
                        f"to '{csv_path}' (header false)"
                    )
                    names = ", ".join(_ident(c) for c, _ in cols)
                    with (
                        cur.copy(
                            f"copy {_ident(staging)}.{_ident(table)} ({names}) "
                            "from stdin (format csv)"
                        ) as copy,
                        open(csv_path, "rb") as handle,
                    ):
                        while chunk := handle.read(1 << 20):
                            copy.write(chunk)
                    csv_path.unlink()
                    summary.tables[table] = source.execute(
                        f"select count(*) from {SCHEMA}.{_ident(table)}"
                    ).fetchone()[0]
                _swap(cur, staging, retired)
                _grant(cur, bi_role)
            pg.commit()
    except psycopg.Error as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise PostgresPublishError(f"PostgreSQL publish failed: {masked(first)}") from None
    finally:
        source.close()
    summary.seconds = time.perf_counter() - started
    return summary


def _swap(cur, staging: str, retired: str) -> None:
    cur.execute("select 1 from pg_namespace where nspname = %s", [SCHEMA])
    if cur.fetchone():
        cur.execute(f"alter schema {SCHEMA} rename to {_ident(retired)}")
    cur.execute(f"alter schema {_ident(staging)} rename to {SCHEMA}")
    cur.execute(f"drop schema if exists {_ident(retired)} cascade")


def _grant(cur, bi_role: str) -> None:
    cur.execute("select 1 from pg_roles where rolname = %s", [bi_role])
    if not cur.fetchone():
        password = os.environ.get("KLANTWAARDE_POSTGRES_BI_PASSWORD")
        cur.execute(
            f"create role {bi_role} login nocreatedb nocreaterole noinherit"
            + (" password %s" if password else ""),
            [password] if password else None,
        )
    cur.execute("select current_database()")
    database = cur.fetchone()[0]
    # nothing by default: no CREATE or TEMP in the database, no CREATE in public
    cur.execute(f"revoke create, temporary on database {_ident(database)} from public")
    cur.execute("revoke create on schema public from public")
    cur.execute(f"grant connect on database {_ident(database)} to {bi_role}")
    cur.execute(f"grant usage on schema {SCHEMA} to {bi_role}")
    cur.execute(f"grant select on all tables in schema {SCHEMA} to {bi_role}")
