"""VARCHAR source → typed rows with a quarantine reason; line numbers; duplicate keys.

Everything here is one set-based statement per step over the whole file:

* `create_typed` TRY_CASTs every column to its contract type and builds `_reason` for
  rows that cannot be loaded (a value that is not of its type, an empty key or required
  column, a currency without a rate, or a reason the reader found such as broken JSON).
* `create_line_view` puts the physical line number on each row.
* `create_duplicates` finds keys that occur more than once among the loadable rows; the
  last line wins, the others are quarantined as superseded.
"""

from __future__ import annotations

from collections.abc import Iterable

import duckdb

from klantwaarde import contract
from klantwaarde.load.sql import ident, lit

TYPED = "_kw_typed"
LINED = "_kw_lined"
GAPS = "_kw_gaps"
DUPS = "_kw_dups"
CURRENCY_COLUMN = "currency"


def _show(column: str) -> str:
    """SQL text for a value as it appears in a reason: quoted, at most 60 characters."""
    col = ident(column)
    return (
        f"'''' || CASE WHEN length({col}) > 60 THEN left({col}, 57) || '...' ELSE {col} END || ''''"
    )


def reason_parts(entity: contract.Entity, known_currencies: Iterable[str]) -> list[str]:
    parts: list[str] = []
    for column, type_ in entity.columns.items():
        col = ident(column)
        if column in entity.not_null:
            what = "key" if column in entity.key else "required"
            parts.append(f"CASE WHEN {col} IS NULL THEN '{column}: empty in a {what} column' END")
        if type_ != "VARCHAR":
            parts.append(
                f"CASE WHEN {col} IS NOT NULL AND TRY_CAST({col} AS {type_}) IS NULL "
                f"THEN '{column}: ' || {_show(column)} || ' is not a {type_}' END"
            )
    if CURRENCY_COLUMN in entity.columns:
        known = ", ".join(lit(c) for c in sorted(set(known_currencies)))
        col = ident(CURRENCY_COLUMN)
        parts.append(
            f"CASE WHEN {col} IS NOT NULL AND {col} NOT IN ({known}) "
            f"THEN 'currency: ' || {_show(CURRENCY_COLUMN)} || ' has no rate in fx_rates' END"
        )
    return parts


def create_typed(
    con: duckdb.DuckDBPyConnection,
    entity: contract.Entity,
    source_sql: str,
    known_currencies: Iterable[str],
) -> None:
    """Materialise the file as typed rows; `_pos` is the 0-based position in read order.

    (Not `rowid`: inside a transaction DuckDB numbers new rows from a large offset.)
    """
    parts = ",\n      ".join(reason_parts(entity, known_currencies))
    typed = ",\n  ".join(
        f"TRY_CAST({ident(c)} AS {t}) AS {ident(c)}" for c, t in entity.columns.items()
    )
    raw_obj = ", ".join(f"{lit(c)}, {ident(c)}" for c in entity.columns)
    con.execute(f"DROP TABLE IF EXISTS {TYPED}")
    con.execute(
        f"""
CREATE TEMP TABLE {TYPED} AS
SELECT
  {typed},
  _pos, _extra, _skip, _src_line, FALSE AS _moj,
  CASE WHEN _reason IS NOT NULL
       THEN coalesce(_raw, CAST(json_object({raw_obj}) AS VARCHAR)) END AS _raw,
  _reason
FROM (
  SELECT *,
    CASE WHEN _skip THEN NULL
         WHEN _prefail IS NOT NULL THEN _prefail
         ELSE NULLIF(concat_ws('; ',
      {parts}
    ), '') END AS _reason
  FROM (SELECT *, row_number() OVER () - 1 AS _pos FROM ({source_sql}))
)"""
    )


def create_line_view(
    con: duckdb.DuckDBPyConnection, base: int, rejected_lines: list[int] | None
) -> None:
    """LINED = TYPED plus `_line_no`.

    Row n (0-based `_pos`) of an in-order read lies on line `n + base + k`, where k counts
    the rejected lines before it; rows read by the Python fallback carry `_src_line`.
    """
    con.execute(f"DROP VIEW IF EXISTS {LINED}")
    con.execute(f"DROP TABLE IF EXISTS {GAPS}")
    if not rejected_lines:
        con.execute(
            f"CREATE TEMP VIEW {LINED} AS SELECT t.*, "
            f"coalesce(t._src_line, t._pos + {base}) AS _line_no FROM {TYPED} t"
        )
        return
    con.execute(f"CREATE TEMP TABLE {GAPS} (rp BIGINT, k BIGINT)")
    ordered = sorted(set(rejected_lines))
    # the j-th rejected line (1-based) sits before accepted row rp = line - base - (j - 1)
    rows = [(line - base - j, j + 1) for j, line in enumerate(ordered)]
    con.executemany(f"INSERT INTO {GAPS} VALUES (?, ?)", rows)
    con.execute(
        f"""CREATE TEMP VIEW {LINED} AS
SELECT t.*, coalesce(t._src_line, t._pos + {base} + coalesce(g.k, 0)) AS _line_no
FROM {TYPED} t ASOF LEFT JOIN (SELECT rp, max(k) AS k FROM {GAPS} GROUP BY rp) g
  ON t._pos >= g.rp"""
    )


def create_duplicates(con: duckdb.DuckDBPyConnection, entity: contract.Entity) -> int:
    """DUPS: keys seen more than once among loadable rows, with the line that wins."""
    keys = ", ".join(ident(k) for k in entity.key)
    con.execute(f"DROP TABLE IF EXISTS {DUPS}")
    con.execute(
        f"""CREATE TEMP TABLE {DUPS} AS
SELECT {keys}, max(_line_no) AS _keep FROM {LINED}
WHERE _reason IS NULL AND NOT _skip
GROUP BY {keys} HAVING count(*) > 1"""
    )
    return con.execute(f"SELECT count(*) FROM {DUPS}").fetchall()[0][0]


def dup_join(entity: contract.Entity, left: str = "t", right: str = "d") -> str:
    return " AND ".join(f"{left}.{ident(k)} = {right}.{ident(k)}" for k in entity.key)


def dup_reason(entity: contract.Entity, alias: str = "t", dups: str = "d") -> str:
    shown = " || ', ' || ".join(
        f"'{k}=' || coalesce('''' || CAST({alias}.{ident(k)} AS VARCHAR) || '''', 'NULL')"
        for k in entity.key
    )
    return f"'duplicate key (' || {shown} || ') superseded by line ' || {dups}._keep"


def drop_temp(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"DROP VIEW IF EXISTS {LINED}")
    for table in (TYPED, GAPS, DUPS):
        con.execute(f"DROP TABLE IF EXISTS {table}")
