"""One verified file of a drop → raw table rows, quarantine rows, a load_log result.

Append first: the loadable rows go to the raw table in one INSERT straight from the
reader (a CSV from a parallel `read_csv`, numbered by rowid afterwards; JSON Lines from
a VARCHAR stage), typed, text without the spaces around it, with lineage, line number
(the row's position in the read) and flags. When as many rows were appended as the file
has data lines, the file was clean and it was read once. Only otherwise is it scanned
again for the rows that cannot be loaded (`casting.first_scan`, into the quarantine);
rejected lines shift the line numbers of the rows after them (`casting.shift_lines`),
and records that span lines send a CSV to the Python parser. Mojibake is repaired and
duplicate keys are resolved in the raw table afterwards (last line wins). Runs inside
the drop's transaction (see `loader`).
"""

from __future__ import annotations

import contextlib
import logging
import time
from dataclasses import dataclass
from datetime import date, datetime

import duckdb

from klantwaarde import contract
from klantwaarde.errors import LoadError
from klantwaarde.load import casting, csv_reader, flags, jsonl_reader
from klantwaarde.load.landing import Drop
from klantwaarde.load.log import FileResult, quarantine_rows
from klantwaarde.load.sql import ident, lit
from klantwaarde.load.verify import VerifiedFile, check_row_count

log = logging.getLogger(__name__)

# The business date of a delta row: the month it lands in downstream.
BUSINESS_DATE: dict[tuple[str, str], str] = {
    ("erp", "invoice_lines"): "invoice_date",
    ("erp", "payments"): "payment_date",
    ("erp", "gl_entries"): "posting_date",
    ("crm", "activities"): "actualstart",
    ("crm", "opportunities"): "modifiedon",
    ("servicedesk", "tickets"): "created_at",
}

_ARROW = "_kw_arrow"


def cleanup(con: duckdb.DuckDBPyConnection) -> None:
    try:
        casting.drop_temp(con)
        for table in (csv_reader.REJECTS_TABLE, csv_reader.REJECTS_SCAN, _STAGE):
            con.execute(f"DROP TABLE IF EXISTS {table}")
    except duckdb.Error:
        pass
    with contextlib.suppress(duckdb.Error):
        con.unregister(_ARROW)


def _drop_rejects(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"DROP TABLE IF EXISTS {csv_reader.REJECTS_TABLE}")
    con.execute(f"DROP TABLE IF EXISTS {csv_reader.REJECTS_SCAN}")


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    return int(con.execute(sql).fetchall()[0][0])


_STAGE = "_kw_stage"


@dataclass(frozen=True)
class _Target:
    """Where a file's rows go, and how to find them again in the raw table."""

    drop: Drop
    entity: contract.Entity
    loaded_at: datetime
    currencies: frozenset[str]

    @property
    def source_file(self) -> str:
        return self.drop.source_file(self.entity.file_name)

    @property
    def mine(self) -> str:
        """SQL condition on the raw table: the rows of this file appended in this load."""
        return f"_source_file = {lit(self.source_file)} AND _loaded_at = {lit(self.loaded_at)}"


@dataclass
class _Scan:
    """What reading a file found."""

    loaded: int  # rows appended to the raw table (duplicate keys still included)
    bad: int  # rows with a reason, in BAD
    rejects: list[tuple[int, str, str]]  # rows the reader could not split (line, raw, why)
    gaps: bool  # rejected lines shift the line numbers of the rows after them (GAPS)
    base: int  # line of the first data row
    extra: list[str]  # columns / fields the contract does not know


def _typed(column: str, type_: str = "") -> str:
    """The column holding a non-VARCHAR column's value cast to its type, in `_append`."""
    return ident("_typed_" + column)


# `_flags` of a row appended only to keep its place in the read (see `_append_read`): a
# row that cannot be loaded, and a line that is no row (blank, or not a JSON object)
_UNLOADABLE = "\x00unloadable"
_UNREAD = "\x00unread"


def _append(con: duckdb.DuckDBPyConnection, target: _Target, source: str, base: int) -> int:
    """Append the loadable rows of a source, typed, to the raw table; returns how many.

    `_line_no` is the row's position in the read + `base` (or the reader's `_src_line`):
    right as long as no line before the row was rejected by the reader. A file read goes
    to `_append_read`; over a staged table the rows are numbered in the (parallel) scan,
    and the numbering must sit right on it.
    """
    if source.startswith("("):  # a file read
        return _drop_placeholders(con, target, _append_read(con, target, source, base))
    ent = target.entity
    rows = _with_casts(ent, f"(SELECT *, row_number() OVER () - 1 AS _pos FROM {source})")
    good = (
        f"SELECT {_typed_out(ent)}, _pos, _src_line, _extra FROM ({rows}) "
        f"WHERE {casting.loadable(ent, target.currencies, _typed)}"
    )
    return _count(
        con,
        _insert_sql(target, good, f"coalesce(t._src_line, t._pos + {base})", flags.flags_sql(ent)),
    )


@dataclass(frozen=True)
class _Appended:
    """The rows one `_append_read` appended: rowids `first`..`last`, placeholders included."""

    rows: int
    first: int
    last: int

    @property
    def where(self) -> str:
        return f"rowid BETWEEN {self.first} AND {self.last}"


def _append_read(
    con: duckdb.DuckDBPyConnection, target: _Target, source: str, base: int
) -> _Appended:
    """Append every row of a file read in one parallel INSERT, numbered afterwards by rowid.

    A window numbering the rows of a file read (`row_number() OVER ()`) streams on one
    thread, and so would the casts, checks and table writes above it. Instead every row
    of the read is appended in read order, those that cannot be loaded too, typed as far
    as they cast and marked (`_UNLOADABLE`, `_UNREAD`): the rows of this append then hold
    consecutive rowids in read order (DuckDB keeps the insertion order of an ordered
    source), so a row's position is its rowid minus the first one. `_drop_placeholders`
    deletes the marked rows afterwards.
    """
    if not con.execute("SELECT current_setting('preserve_insertion_order')").fetchall()[0][0]:
        raise LoadError(
            f"{target.source_file}: DuckDB's preserve_insertion_order is off; the loader "
            "numbers lines by insertion order"
        )
    ent = target.entity
    rows = _with_casts(ent, source)
    ok = casting.loadable(ent, target.currencies, _typed)
    every = (
        f"SELECT {_typed_out(ent)}, _src_line, _extra, _skip, _prefail, {ok} AS _ok FROM ({rows})"
    )
    marked = (
        f"CASE WHEN t._ok THEN {flags.flags_sql(ent)} "
        f"WHEN t._skip OR t._prefail IS NOT NULL THEN {lit(_UNREAD)} "
        f"ELSE {lit(_UNLOADABLE)} END"
    )
    appended = _count(con, _insert_sql(target, every, "CAST(NULL AS BIGINT)", marked))
    if not appended:
        return _Appended(0, 0, -1)
    mine = f"{target.mine} AND _line_no IS NULL"
    first, last, count = con.execute(
        f"SELECT min(rowid), max(rowid), count(*) FROM {ent.raw_table} WHERE {mine}"
    ).fetchall()[0]
    if count != appended or last - first + 1 != count:  # not one run of rowids: never seen
        raise LoadError(
            f"{target.source_file}: {appended} rows appended but rowids {first}..{last} "
            f"hold {count}: cannot number the lines"
        )
    done = _Appended(appended, first, last)
    con.execute(
        f"UPDATE {ent.raw_table} SET _line_no = rowid - {first} + {base} "
        f"WHERE {mine} AND {done.where}"
    )
    return done


def _drop_placeholders(con: duckdb.DuckDBPyConnection, target: _Target, done: _Appended) -> int:
    """Delete the marked rows of an `_append_read`; returns the rows loaded."""
    if not done.rows:
        return 0
    dropped = _count(
        con,
        f"DELETE FROM {target.entity.raw_table} WHERE {target.mine} AND {done.where} "
        f"AND _flags IN ({lit(_UNLOADABLE)}, {lit(_UNREAD)})",
    )
    return done.rows - dropped


def _with_casts(ent: contract.Entity, source: str) -> str:
    """SELECT over a source with each non-VARCHAR column also cast once (`_typed`), for
    both the checks and the insert of an `_append`."""
    casts = ", ".join(
        f"{casting.try_cast(c, t)} AS {_typed(c)}" for c, t in ent.columns.items() if t != "VARCHAR"
    )
    return f"SELECT *, {casts} FROM {source}" if casts else f"SELECT * FROM {source}"


def _typed_out(ent: contract.Entity) -> str:
    """The contract columns of an `_append` row: non-VARCHAR ones from their cast, text
    without the spaces around it (as every reader compares it; staging reads the raw
    rows of a delta through a view, so the raw table holds the values it stages)."""
    return ", ".join(
        f"{_typed(c) if ent.columns[c] != 'VARCHAR' else f'trim({ident(c)})'} AS {ident(c)}"
        for c in ent.columns
    )


def _insert_sql(target: _Target, rows: str, line_no: str, flags_value: str) -> str:
    """INSERT of `rows` (contract columns, `_extra`) as `t` into the raw table, with lineage."""
    ent = target.entity
    cols = ", ".join(ident(c) for c in ent.columns)
    values = ", ".join(f"t.{ident(c)}" for c in ent.columns)
    lineage = ", ".join(ident(c) for c in contract.LINEAGE_COLUMNS)
    return f"""INSERT INTO {ent.raw_table} ({cols}, {lineage})
SELECT {values}, {lit(target.drop.extract_date)}, {lit(target.source_file)}, {line_no},
       {flags_value}, t._extra, {lit(target.loaded_at)}
FROM ({rows}) t"""


def _bad_rows(con: duckdb.DuckDBPyConnection, target: _Target, source: str, loaded: int) -> int:
    """Scan a source for the rows with a reason (into BAD); returns how many."""
    ent = target.entity
    loadable, bad = casting.first_scan(con, ent, casting.reasoned(ent, source, target.currencies))
    if loadable != loaded:  # both come from the same rows and the same checks
        raise LoadError(
            f"{target.source_file}: {loaded} rows appended but {loadable} found loadable"
        )
    return bad


def _stage(con: duckdb.DuckDBPyConnection, source: str) -> str:
    """Materialise a source as VARCHAR rows in file order; returns the table's name.

    The CREATE runs in parallel and keeps the read order. Later scans number the rows
    with `row_number() OVER ()` directly over the table, which DuckDB computes in parallel
    inside the table scan (over read_csv, or over a subquery, it is a single-threaded
    streaming window).
    """
    con.execute(f"DROP TABLE IF EXISTS {_STAGE}")
    con.execute(f"CREATE TEMP TABLE {_STAGE} AS {source}")
    return _STAGE


def _load_csv(con: duckdb.DuckDBPyConnection, target: _Target, vf: VerifiedFile) -> _Scan:
    ent, path = vf.entity, vf.facts.path
    header = csv_reader.read_header(path, ent, vf.source_file)
    extra = list(header.extra)
    lines = vf.facts.lines - 1  # data lines
    if vf.facts.comma_ends:
        # DuckDB reads `4,5,6,` as three columns: a file with lines that end in a comma is
        # split by the csv module, which counts the empty field after it (a GL file whose
        # last column is mostly empty; small)
        return _load_csv_python(con, target, vf, header, extra)
    _drop_rejects(con)
    source = f"({csv_reader.duckdb_source(path, ent, header, store_rejects=True)})"
    loaded = _append(con, target, source, 2)
    rejected = _count(con, f"SELECT count(*) FROM {csv_reader.REJECTS_TABLE}")
    if loaded == lines and not rejected:  # every line a loadable row: clean, read once
        return _Scan(loaded, 0, [], False, 2, extra)
    bad = _bad_rows(con, target, f"({csv_reader.duckdb_source(path, ent, header)})", loaded)
    rejects: list[tuple[int, str, str]] = []
    if rejected:
        rejects = [
            (int(ln), raw, why)
            for ln, raw, why in con.execute(csv_reader.rejects_sql(len(header.columns))).fetchall()
        ]
    if loaded + bad + len(rejects) == lines:
        gaps = casting.create_gaps(con, 2, [ln for ln, _, _ in rejects], loaded + bad)
        if gaps:
            casting.shift_lines(con, ent.raw_table, target.mine, 2)
        return _Scan(loaded, bad, rejects, gaps, 2, extra)
    # records spanning lines, or blank lines: parse in Python to get the true lines
    log.info("%s: records do not match physical lines, parsing in Python", vf.source_file)
    con.execute(f"DELETE FROM {ent.raw_table} WHERE {target.mine}")
    return _load_csv_python(con, target, vf, header, extra)


def _load_csv_python(
    con: duckdb.DuckDBPyConnection,
    target: _Target,
    vf: VerifiedFile,
    header: csv_reader.CsvHeader,
    extra: list[str],
) -> _Scan:
    """A CSV parsed by the csv module: the true physical lines and column counts."""
    ent, path = vf.entity, vf.facts.path
    table, rejects = csv_reader.python_rows(path, header)
    con.register(_ARROW, table)
    source = _stage(con, csv_reader.python_source(_ARROW, ent, header))
    con.unregister(_ARROW)
    loaded = _append(con, target, source, 2)
    bad = _bad_rows(con, target, source, loaded) if loaded != table.num_rows else 0
    casting.create_gaps(con, 2, [])
    return _Scan(loaded, bad, rejects, False, 2, extra)


def _load_jsonl(con: duckdb.DuckDBPyConnection, target: _Target, vf: VerifiedFile) -> _Scan:
    """JSON is parsed once, straight into the raw table (`_append_read`), and the fields
    are checked on the appended rows. When the reader's lines are not the file's physical
    lines, the file is split in Python into a VARCHAR stage (raw text kept only on rows
    that cannot be loaded) and appended from it instead."""
    ent, path = vf.entity, vf.facts.path
    _drop_rejects(con)
    source = f"({jsonl_reader.duckdb_source(path, ent)})"
    done = _append_read(con, target, source, 1)
    rejected = _count(con, f"SELECT count(*) FROM {csv_reader.REJECTS_TABLE}")
    if not rejected and done.rows == vf.facts.lines:
        rows = done.rows
        objects = (
            f"(SELECT * FROM {ent.raw_table} WHERE {target.mine} AND {done.where} "
            f"AND _flags IS DISTINCT FROM {lit(_UNREAD)})"
        )
        extra = _check_fields(con, vf, objects)
        loaded = _drop_placeholders(con, target, done)
    else:
        log.info("%s: lines do not match physical lines, splitting in Python", vf.source_file)
        con.execute(f"DELETE FROM {ent.raw_table} WHERE {target.mine}")
        loadable = casting.loadable(ent, target.currencies)
        raw = f"CASE WHEN {loadable} THEN NULL ELSE _raw END AS _raw"
        table = jsonl_reader.python_lines(path)
        con.register(_ARROW, table)
        source = _stage(
            con,
            f"SELECT * REPLACE ({raw}) FROM ({jsonl_reader.python_source(_ARROW, ent)})",
        )
        con.unregister(_ARROW)
        rows = table.num_rows
        extra = _check_fields(
            con, vf, f"(SELECT * FROM {source} WHERE NOT _skip AND _prefail IS NULL)"
        )
        loaded = _append(con, target, source, 1)
    bad = _bad_rows(con, target, source, loaded) if loaded != rows else 0
    casting.create_gaps(con, 1, [])
    return _Scan(loaded, bad, [], False, 1, extra)


def _check_fields(con: duckdb.DuckDBPyConnection, vf: VerifiedFile, objects: str) -> list[str]:
    """Fields the contract does not know; a key/required field absent from every line, or a
    contract field absent while unknown ones appear (renamed), stops the load. `objects`:
    SQL (in parentheses) for the rows of the lines that are JSON objects."""
    ent = vf.entity
    counts = con.execute(
        "SELECT count(*), "
        + ", ".join(f"count({ident(c)})" for c in ent.columns)
        + ", flatten(list(DISTINCT json_keys(_extra)) FILTER (WHERE _extra IS NOT NULL))"
        + f" FROM {objects}"
    ).fetchall()[0]
    extra = sorted(set(counts[-1] or []))
    if not counts[0]:
        return extra
    empty = [c for c, n in zip(ent.columns, counts[1:-1], strict=True) if n == 0]
    suspects = [c for c in empty if c in ent.not_null or extra]
    if not suspects:
        return extra
    # absent, or present but empty? Only now look at the lines themselves (rare path)
    present = con.execute(
        "SELECT "
        + ", ".join(
            f"count(*) FILTER (WHERE json_exists(line, {lit(chr(36) + '.' + c)}))" for c in suspects
        )
        + f" FROM ({jsonl_reader.raw_lines_sql(vf.facts.path)}) WHERE json_valid(line)"
    ).fetchall()[0]
    missing = [c for c, n in zip(suspects, present, strict=True) if n == 0]
    if missing:
        hint = f" (unknown field(s) {', '.join(extra)}: renamed?)" if extra else ""
        raise LoadError(
            f"{vf.source_file}: field(s) {', '.join(missing)} missing from every line{hint}"
        )
    return extra


def load_file(
    con: duckdb.DuckDBPyConnection,
    drop: Drop,
    vf: VerifiedFile,
    loaded_at: datetime,
    currencies: frozenset[str],
) -> FileResult:
    """Type, quarantine, flag and append one verified file (inside the drop's transaction)."""
    started = time.perf_counter()
    ent = vf.entity
    if vf.facts.size == 0:
        check_row_count(vf, 0)
        return _result(drop, vf, 0, 0, 0, ["empty_file"], None, started)
    target = _Target(drop, ent, loaded_at, currencies)
    scan = (_load_csv if ent.ext == "csv" else _load_jsonl)(con, target, vf)
    file_flags = ["added_columns:" + ",".join(scan.extra)] if scan.extra else []
    rows_in = scan.loaded + scan.bad + len(scan.rejects)
    check_row_count(vf, rows_in)
    flags.repair_mojibake_rows(con, ent, target.mine)
    if vf.facts.control_characters:
        flags.remove_control_characters(con, ent, target.mine)
    flags.flag_quantity_sign(con, ent, target.mine)
    flags.flag_unknown_references(con, ent, drop.extract_date, target.mine)

    source, mine = target.source_file, target.mine
    rows_loaded = scan.loaded
    head = f"SELECT {lit(drop.system)}, {lit(drop.extract_date)}, {lit(ent.file_name)}"
    quarantined = quarantine_rows(con, drop, ent.file_name, scan.rejects)
    if scan.bad:
        bad_from, bad_line = casting.lined(f"SELECT * FROM {casting.BAD}", scan.base, scan.gaps)
        quarantined += _count(
            con,
            f"INSERT INTO meta.quarantine {head}, {bad_line}, t._raw, t._reason FROM {bad_from}",
        )
    # duplicate keys in the file: the last line wins, the earlier ones leave the raw table
    if casting.create_keys(con, ent, f"SELECT * FROM {ent.raw_table} WHERE {mine}"):
        obj = ", ".join(f"{lit(c)}, r.{ident(c)}" for c in ent.columns)
        superseded = (
            f"FROM {ent.raw_table} r JOIN {casting.KEYS} d ON {casting.key_join(ent, 'r')} "
            f"WHERE r.{mine.replace(' AND ', ' AND r.')} AND r._line_no < d._keep"
        )
        quarantined += _count(
            con,
            f"INSERT INTO meta.quarantine {head}, r._line_no, "
            f"CAST(json_object({obj}) AS VARCHAR), {casting.dup_reason(ent, 'r', 'd._keep')} "
            f"{superseded}",
        )
        rows_loaded -= _count(
            con,
            f"DELETE FROM {ent.raw_table} WHERE {mine} AND rowid IN (SELECT r.rowid {superseded})",
        )
    late = _quarantine_dated_after_drop(con, target, head)
    quarantined += late
    rows_loaded -= late
    if rows_loaded + quarantined != rows_in:  # the promise of the raw layer
        raise LoadError(
            f"{source}: {rows_in} rows in but {rows_loaded} loaded + {quarantined} quarantined"
        )
    business_min = _business_date_min(con, drop, ent, loaded_at) if rows_loaded else None
    return _result(drop, vf, rows_in, rows_loaded, quarantined, file_flags, business_min, started)


def _quarantine_dated_after_drop(con: duckdb.DuckDBPyConnection, target: _Target, head: str) -> int:
    """A drop holds events dated up to its extract date (contracts §1): a delta row whose
    business date is later (an invoice of 2030 in a 2025 drop) leaves the raw table for
    the quarantine with its reason. Returns how many."""
    ent, drop = target.entity, target.drop
    column = BUSINESS_DATE.get((ent.system, ent.name))
    if column is None:
        return 0
    late = (
        f"FROM {ent.raw_table} WHERE {target.mine} "
        f"AND CAST({ident(column)} AS DATE) > {lit(drop.extract_date)}"
    )
    obj = ", ".join(f"{lit(c)}, {ident(c)}" for c in ent.columns)
    reason = (
        f"'{column}: ' || CAST(CAST({ident(column)} AS DATE) AS VARCHAR) || "
        f"' is after the drop''s extract date {drop.extract_date.isoformat()}'"
    )
    moved = _count(
        con,
        f"INSERT INTO meta.quarantine {head}, _line_no, CAST(json_object({obj}) AS VARCHAR), "
        f"{reason} {late}",
    )
    if moved:
        con.execute(f"DELETE {late}")
    return moved


def _business_date_min(
    con: duckdb.DuckDBPyConnection, drop: Drop, ent: contract.Entity, loaded_at: datetime
) -> date | None:
    column = BUSINESS_DATE.get((ent.system, ent.name))
    if column is None:
        return None
    new_rows = (
        f"FROM {ent.raw_table} WHERE _extract_date = {lit(drop.extract_date)} "
        f"AND _loaded_at = {lit(loaded_at)}"
    )
    # A payment changes receivables and overdue status only from its own date on (a
    # month depends on events up to its end), so it touches its payment month, not the
    # month of the invoice it pays: that would rebuild from the oldest open invoice.
    return con.execute(f"SELECT min(CAST({ident(column)} AS DATE)) {new_rows}").fetchall()[0][0]


def _result(
    drop: Drop,
    vf: VerifiedFile,
    rows_in: int,
    rows_loaded: int,
    rows_quarantined: int,
    flags: list[str],
    business_min: date | None,
    started: float,
) -> FileResult:
    assert rows_in == rows_loaded + rows_quarantined, vf.source_file
    return FileResult(
        system=drop.system,
        extract_date=drop.extract_date,
        file_name=vf.entity.file_name,
        rows_in=rows_in,
        rows_loaded=rows_loaded,
        rows_quarantined=rows_quarantined,
        sha256=vf.facts.sha256,
        status="loaded",
        flags=";".join(flags) or None,
        file_size=vf.facts.size,
        file_mtime_ns=vf.facts.mtime_ns,
        business_date_min=business_min,
        seconds=time.perf_counter() - started,
    )
