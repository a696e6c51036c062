"""VARCHAR source → typed rows, quarantine reasons, line numbers, duplicate keys.

A *source* is SQL that yields, in file order, every contract column as VARCHAR (empty →
NULL) plus the reader's columns `_extra, _raw, _prefail, _skip, _src_line`. The loader
appends the loadable rows straight from the source (`loadable`), and scans it again for
the rows that cannot be loaded (`BAD`) only when the counts say some were left out.

* `checks` are the ways a row can fail: a value that is not of its contract type (it does
  not TRY_CAST), an empty key or required column, a currency without a rate, or the
  reader's own reason (broken JSON). `loadable` is their negation, `reason_sql` names them.
* `lined` puts the physical line number on a row from its position in the read;
  `shift_lines` corrects rows appended before the rejected lines were known.
* duplicate keys among loadable rows: the last line wins, earlier ones are superseded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import duckdb
import numpy as np
import pyarrow as pa

from klantwaarde import contract
from klantwaarde.load.sql import ident, lit

BAD = "_kw_bad"
KEYS = "_kw_keys"
KEY_HASHES = "_kw_key_hashes"
_HASH_ARROW = "_kw_hash_arrow"
GAPS = "_kw_gaps"
FIX = "_kw_fix"
CURRENCY_COLUMN = "currency"


def _show(column: str) -> str:
    """SQL text for a value as it appears in a reason: quoted, at most 60 characters."""
    col = ident(column)
    return (
        f"'''' || CASE WHEN length({col}) > 60 THEN left({col}, 57) || '...' ELSE {col} END || ''''"
    )


# A time of day followed by a UTC offset (`23:36:40-05:00`, `+0530`, `-05`)
_OFFSET = "[0-9]:[0-9]{2}(:[0-9]{2})?([.][0-9]+)?[+-][0-9]{2}(:?[0-9]{2})?$"


def try_cast(column: str, type_: str) -> str:
    """SQL for the column's value cast to its contract type, NULL when it does not cast.

    Timestamps are UTC: one written with a UTC offset is converted to UTC (DuckDB's
    TIMESTAMP cast would drop the offset); one without is taken as UTC, as the contract
    says. The offset test runs only on values longer than `YYYY-MM-DDTHH:MM:SS` that do
    not end in `Z`.
    """
    col = ident(column)
    if type_ != "TIMESTAMP":
        return f"TRY_CAST({col} AS {type_})"
    return (
        f"CASE WHEN length({col}) > 19 AND NOT ends_with({col}, 'Z') "
        f"AND regexp_matches({col}, '{_OFFSET}') "
        f"THEN timezone('UTC', TRY_CAST({col} AS TIMESTAMPTZ)) "
        f"ELSE TRY_CAST({col} AS TIMESTAMP) END"
    )


def checks(
    entity: contract.Entity,
    known_currencies: Iterable[str],
    typed: Callable[[str, str], str] = try_cast,
) -> list[tuple[str, str]]:
    """(condition that makes a row unloadable, SQL text of its reason), per check.

    `typed(column, type)` is SQL for the column's value cast to its type (NULL when it
    does not cast): a TRY_CAST, or a column that already holds it.
    """
    found: list[tuple[str, str]] = []
    for column, type_ in entity.columns.items():
        col = ident(column)
        if column in entity.not_null:
            what = "key" if column in entity.key else "required"
            found.append((f"{col} IS NULL", f"'{column}: empty in a {what} column'"))
        if type_ != "VARCHAR":
            found.append(
                (
                    f"{col} IS NOT NULL AND {typed(column, type_)} IS NULL",
                    f"'{column}: ' || {_show(column)} || ' is not a {type_}'",
                )
            )
    if CURRENCY_COLUMN in entity.columns:
        known = ", ".join(lit(c) for c in sorted(set(known_currencies)))
        col = ident(CURRENCY_COLUMN)
        found.append(
            (
                f"{col} IS NOT NULL AND {col} NOT IN ({known})",
                f"'currency: ' || {_show(CURRENCY_COLUMN)} || ' has no rate in fx_rates'",
            )
        )
    return found


def reason_parts(entity: contract.Entity, known_currencies: Iterable[str]) -> list[str]:
    return [f"CASE WHEN {cond} THEN {why} END" for cond, why in checks(entity, known_currencies)]


def loadable(
    entity: contract.Entity,
    known_currencies: Iterable[str],
    typed: Callable[[str, str], str] = try_cast,
) -> str:
    """SQL condition on a source row: not skipped and without a reason (see `reasoned`)."""
    conds = ["NOT _skip", "_prefail IS NULL"]
    conds += [f"NOT coalesce({c}, FALSE)" for c, _ in checks(entity, known_currencies, typed)]
    return " AND ".join(conds)


def reasoned(entity: contract.Entity, source: str, known_currencies: Iterable[str]) -> str:
    """The source (a table name) with `_pos` (0-based position in the read) and
    `_reason` (NULL: loadable).

    (`_pos` comes from row_number() over the in-order read, not from `rowid`: inside a
    transaction DuckDB numbers new rows from a large offset.)
    """
    parts = ",\n      ".join(reason_parts(entity, known_currencies))
    return f"""
SELECT *,
  CASE WHEN _skip THEN NULL
       WHEN _prefail IS NOT NULL THEN _prefail
       ELSE NULLIF(concat_ws('; ',
      {parts}
       ), '') END AS _reason
FROM (SELECT *, row_number() OVER () - 1 AS _pos FROM {source})"""


def first_scan(
    con: duckdb.DuckDBPyConnection,
    entity: contract.Entity,
    reasoned_sql: str,
) -> tuple[int, int]:
    """One aggregate pass over the file. Leaves BAD: the rows that cannot be loaded, with
    position, reason and raw content.

    Returns (rows without a reason, rows with a reason).
    """
    raw_obj = ", ".join(f"{lit(c)}, {ident(c)}" for c in entity.columns)
    fields = ", ".join(f"{ident(c)} := {ident(c)}" for c in entity.columns)
    con.execute(f"DROP TABLE IF EXISTS {BAD}")
    con.execute("DROP TABLE IF EXISTS _kw_scan")
    con.execute(
        f"""CREATE TEMP TABLE _kw_scan AS
SELECT
  count(*) FILTER (WHERE _reason IS NULL AND NOT _skip) AS loadable,
  count(*) FILTER (WHERE _reason IS NOT NULL) AS bad,
  list(struct_pack(
    _pos := _pos, _src_line := _src_line, _reason := _reason,
    _raw := CASE WHEN _reason IS NOT NULL
                 THEN coalesce(_raw, CAST(json_object({raw_obj}) AS VARCHAR)) END,
    {fields}
  )) FILTER (WHERE NOT _skip AND _reason IS NOT NULL) AS rows
FROM ({reasoned_sql})"""
    )
    loadable, bad, listed = con.execute(
        "SELECT loadable, bad, coalesce(len(rows), 0) FROM _kw_scan"
    ).fetchall()[0]
    if listed:
        con.execute(
            f"CREATE TEMP TABLE {BAD} AS SELECT unnest(rows, recursive := true) FROM _kw_scan"
        )
    else:  # an empty list unnests to no columns: give BAD its shape
        cols = ", ".join(f"CAST(NULL AS VARCHAR) AS {ident(c)}" for c in entity.columns)
        con.execute(
            f"CREATE TEMP TABLE {BAD} AS SELECT CAST(NULL AS BIGINT) AS _pos, "
            f"CAST(NULL AS BIGINT) AS _src_line, CAST(NULL AS VARCHAR) AS _reason, "
            f"CAST(NULL AS VARCHAR) AS _raw, {cols} LIMIT 0"
        )
    con.execute("DROP TABLE _kw_scan")
    return int(loadable), int(bad)


def create_keys(con: duckdb.DuckDBPyConnection, entity: contract.Entity, rows: str) -> int:
    """KEYS: keys that occur more than once among `rows` (SQL over typed rows with
    `_line_no`), with the line that wins (`_keep`, the last). Returns how many.

    A first look sorts a 64-bit hash of every key in numpy (far cheaper than grouping
    the hashes or the keys in DuckDB); only keys whose hash occurs twice are then
    grouped exactly.
    """
    keys = ", ".join(ident(k) for k in entity.key)
    con.execute(f"DROP TABLE IF EXISTS {KEYS}")
    con.execute(f"DROP TABLE IF EXISTS {KEY_HASHES}")
    hashes = con.execute(f"SELECT hash({keys}) AS _h FROM ({rows})").fetchnumpy()["_h"]
    hashes = np.sort(np.asarray(hashes, dtype=np.uint64))
    twice = np.unique(hashes[1:][hashes[1:] == hashes[:-1]])
    del hashes
    if not len(twice):
        return 0
    con.register(_HASH_ARROW, pa.table({"_h": pa.array(twice, pa.uint64())}))
    try:
        con.execute(f"CREATE TEMP TABLE {KEY_HASHES} AS SELECT _h FROM {_HASH_ARROW}")
    finally:
        con.unregister(_HASH_ARROW)
    found = con.execute(
        f"SELECT {keys}, max(_line_no) AS _keep FROM ({rows}) "
        f"WHERE hash({keys}) IN (SELECT _h FROM {KEY_HASHES}) "
        "GROUP BY ALL HAVING count(*) > 1"
    ).fetchall()
    if found:
        types = ", ".join(f"{ident(k)} {entity.columns[k]}" for k in entity.key)
        con.execute(f"CREATE TEMP TABLE {KEYS} ({types}, _keep BIGINT)")
        marks = ", ".join("?" for _ in range(len(entity.key) + 1))
        con.executemany(f"INSERT INTO {KEYS} VALUES ({marks})", found)
    return len(found)


GAP_BUCKET = 4096


def create_gaps(
    con: duckdb.DuckDBPyConnection, base: int, rejected_lines: list[int], rows: int = 0
) -> bool:
    """GAPS for line numbers when the reader skipped rejected lines.

    Row `_pos` = n of an in-order read lies on line `n + base + k`, k = rejected lines
    before it. The j-th rejected line (0-based) sits before position `line - base - j`.
    To find k without a sort over the big file, positions are cut in buckets of
    GAP_BUCKET: GAPS holds per bucket `k0` (rejects before the bucket) and the positions
    of the rejects inside it, and is joined on `_pos // GAP_BUCKET` (a small hash join).
    Returns whether there are any gaps.
    """
    con.execute(f"DROP TABLE IF EXISTS {GAPS}")
    if not rejected_lines:
        return False
    ordered = sorted(rejected_lines)
    before = [line - base - j for j, line in enumerate(ordered)]
    buckets = max(rows, before[-1]) // GAP_BUCKET + 1
    table = []
    i = 0
    for b in range(buckets):
        start, end = b * GAP_BUCKET, (b + 1) * GAP_BUCKET
        k0 = i
        inside = []
        while i < len(before) and before[i] < end:
            inside.append(before[i])
            i += 1
        assert all(p >= start for p in inside)
        table.append((b, k0, inside or None))
    con.execute(f"CREATE TEMP TABLE {GAPS} (b BIGINT, k0 BIGINT, rps BIGINT[])")
    con.executemany(f"INSERT INTO {GAPS} VALUES (?, ?, ?)", table)
    return True


def lined(from_sql: str, base: int, gaps: bool, alias: str = "t") -> tuple[str, str]:
    """(FROM clause, line expression) for rows with `_pos` and `_src_line`."""
    if not gaps:
        return (
            f"({from_sql}) {alias}",
            f"coalesce({alias}._src_line, {alias}._pos + {base})",
        )
    return (
        f"({from_sql}) {alias} LEFT JOIN {GAPS} _g ON _g.b = {alias}._pos // {GAP_BUCKET}",
        f"coalesce({alias}._src_line, {alias}._pos + {base} + _g.k0 + "
        f"coalesce(len(list_filter(_g.rps, lambda x: x <= {alias}._pos)), 0))",
    )


def shift_lines(con: duckdb.DuckDBPyConnection, table: str, where: str, base: int) -> None:
    """Rows appended with `_line_no = _pos + base` (rejected lines not yet known) get their
    physical line from GAPS, as `lined` computes it."""
    pos = f"(t._line_no - {base})"
    con.execute(
        f"UPDATE {table} AS t SET _line_no = t._line_no + _g.k0 + "
        f"coalesce(len(list_filter(_g.rps, lambda x: x <= {pos})), 0) "
        f"FROM {GAPS} _g WHERE _g.b = {pos} // {GAP_BUCKET} AND {where}"
    )


def key_join(entity: contract.Entity, left: str = "t", right: str = "d") -> str:
    return " AND ".join(f"{left}.{ident(k)} = {right}.{ident(k)}" for k in entity.key)


def dup_reason(entity: contract.Entity, alias: str, keep_line: str) -> str:
    shown = " || ', ' || ".join(
        f"'{k}=' || coalesce('''' || CAST({alias}.{ident(k)} AS VARCHAR) || '''', 'NULL')"
        for k in entity.key
    )
    return f"'duplicate key (' || {shown} || ') superseded by line ' || {keep_line}"


def drop_temp(con: duckdb.DuckDBPyConnection) -> None:
    for table in (BAD, KEYS, KEY_HASHES, GAPS, FIX, "_kw_scan"):
        con.execute(f"DROP TABLE IF EXISTS {table}")
