"""CSV extract → a SQL source of VARCHAR columns, malformed rows → the reject tables.

Fast path: DuckDB's parallel `read_csv` with every column VARCHAR, `ignore_errors` and
`store_rejects`. Rows come out in file order (insertion order is preserved), so the n-th
accepted row sits on the n-th physical data line that is not a rejected line. That holds
while every record is one physical line; when the counts say otherwise (quoted newlines,
blank lines), `python_rows` parses the file with the csv module instead (slow, rare).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from klantwaarde import contract
from klantwaarde.errors import LoadError
from klantwaarde.load.sql import ident, lit, path_lit

REJECTS_SCAN = "_kw_reject_scans"
REJECTS_TABLE = "_kw_reject_errors"


@dataclass(frozen=True)
class CsvHeader:
    columns: tuple[str, ...]  # as in the file, in file order
    extra: tuple[str, ...]  # not in the contract (a source upgrade added them)


def read_header(path: Path, entity: contract.Entity, where: str) -> CsvHeader:
    """Parse the header line; a contract column missing from it stops the load."""
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as handle:
        first = handle.readline()
    row = next(csv.reader(io.StringIO(first)), [])
    columns = tuple(c.strip() for c in row)
    if not columns or columns == ("",) or not set(columns) & set(entity.columns):
        # the first line names no contract column: a data row, or nothing. Its values are
        # not shown: they may be personal data, and the message reaches task logs.
        raise LoadError(f"{where}: no header row (line 1 names none of the contract's columns)")
    dupes = sorted({c for c in columns if columns.count(c) > 1})
    if dupes:
        raise LoadError(f"{where}: header repeats column(s) {', '.join(dupes)}")
    extra = tuple(c for c in columns if c not in entity.columns)
    missing = [c for c in entity.columns if c not in columns]
    if missing:
        hint = f" (unknown column(s) {', '.join(extra)}: renamed?)" if extra else ""
        raise LoadError(f"{where}: column(s) {', '.join(missing)} missing from the header{hint}")
    return CsvHeader(columns, extra)


def _projection(entity: contract.Entity, header: CsvHeader, src_line: str) -> str:
    cols = [f"NULLIF({ident(c)}, '') AS {ident(c)}" for c in entity.columns]
    if header.extra:
        pairs = ", ".join(f"{lit(c)}, NULLIF({ident(c)}, '')" for c in header.extra)
        cols.append(f"CAST(json_object({pairs}) AS VARCHAR) AS _extra")
    else:
        cols.append("CAST(NULL AS VARCHAR) AS _extra")
    cols += [
        "CAST(NULL AS VARCHAR) AS _raw",
        "CAST(NULL AS VARCHAR) AS _prefail",
        "FALSE AS _skip",
        f"{src_line} AS _src_line",
    ]
    return ",\n  ".join(cols)


def duckdb_source(
    path: Path, entity: contract.Entity, header: CsvHeader, store_rejects: bool = False
) -> str:
    """SELECT over read_csv: contract columns as VARCHAR (empty → NULL) + reader columns.

    Malformed rows are skipped (`ignore_errors`); with `store_rejects` they are recorded
    in REJECTS_TABLE (ask for that on the first read of a file only).
    """
    columns = "{" + ", ".join(f"{lit(c)}: 'VARCHAR'" for c in header.columns) + "}"
    rejects = (
        f", store_rejects = true, rejects_scan = {lit(REJECTS_SCAN)}, "
        f"rejects_table = {lit(REJECTS_TABLE)}"
        if store_rejects
        else ""
    )
    reader = (
        f"read_csv({path_lit(path)}, columns = {columns}, header = true, auto_detect = false, "
        "delim = ',', quote = '\"', escape = '\"', null_padding = false, "
        f"ignore_errors = true{rejects})"
    )
    return f"SELECT\n  {_projection(entity, header, 'CAST(NULL AS BIGINT)')}\nFROM {reader}"


def rejects_sql(expected: int) -> str:
    """One row per rejected line of the last scan: line_no, raw_content, reason."""
    return f"""
        SELECT line AS line_no,
               any_value(csv_line) AS raw_content,
               CASE WHEN bool_or(error_type IN ('MISSING COLUMNS', 'TOO MANY COLUMNS'))
                    THEN 'wrong column count: expected {expected}, found '
                         || any_value(regexp_extract(error_message, 'Found: ([0-9]+)', 1))
                              FILTER (WHERE error_type IN ('MISSING COLUMNS', 'TOO MANY COLUMNS'))
                    ELSE string_agg(DISTINCT lower(error_type) || ': ' || error_message, '; ')
               END AS reason
        FROM {REJECTS_TABLE}
        GROUP BY line
    """


def python_rows(path: Path, header: CsvHeader) -> tuple[pa.Table, list[tuple[int, str, str]]]:
    """Parse with the csv module: records with their first physical line, and rejects.

    Blank lines are not records. Returns an Arrow table (one VARCHAR column per header
    column + `_src_line`) and rejects as (line_no, raw_content, reason).
    """
    width = len(header.columns)
    values: list[list[str | None]] = [[] for _ in range(width)]
    lines: list[int] = []
    rejects: list[tuple[int, str, str]] = []
    with open(path, encoding="utf-8", errors="replace", newline="") as handle:
        raw = handle.read()
    if raw.startswith("\ufeff"):
        raw = raw[1:]
    physical = raw.splitlines(keepends=True)
    reader = csv.reader(io.StringIO(raw), strict=False)
    start = 1
    for record in reader:
        end = reader.line_num
        line_no = start
        start = end + 1
        if line_no == 1:
            continue  # header
        if not record:
            continue  # blank line
        if len(record) != width:
            text = "".join(physical[line_no - 1 : end]).rstrip("\r\n")
            rejects.append(
                (
                    line_no,
                    text,
                    f"wrong column count: expected {width}, found {len(record)}",
                )
            )
            continue
        for i, value in enumerate(record):
            values[i].append(value)
        lines.append(line_no)
    data = {
        name: pa.array(col, pa.string()) for name, col in zip(header.columns, values, strict=True)
    }
    data["_line"] = pa.array(lines, pa.int64())
    return pa.table(data), rejects


def python_source(arrow_name: str, entity: contract.Entity, header: CsvHeader) -> str:
    return f"SELECT\n  {_projection(entity, header, '_line')}\nFROM {arrow_name}"
