"""JSON Lines extract → a SQL source of VARCHAR columns.

Each physical line is read as one VARCHAR (DuckDB `read_csv` with a control character as
delimiter and no quoting: valid JSON text never holds a raw control character), in file
order, so line n is row n. Fields are pulled with one `json_extract_string` per line.
Lines that are not a JSON object keep their raw text and a reason (`_prefail`); blank
lines (only spaces, tabs, CRs: a regex; `trim(line, chars)` costs ten times more on long
lines) are skipped. Fields the contract does not know go to `_extra` as a JSON object.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from klantwaarde import contract
from klantwaarde.load.sql import ident, lit, path_lit

REJECTS_SCAN = "_kw_reject_scans"
REJECTS_TABLE = "_kw_reject_errors"


def _read_lines(path: Path) -> str:
    return (
        f"read_csv({path_lit(path)}, columns = {{'line': 'VARCHAR'}}, header = false, "
        "auto_detect = false, delim = '\x01', quote = '', escape = '', strict_mode = false, "
        "ignore_errors = true, store_rejects = true, "
        f"rejects_scan = {lit(REJECTS_SCAN)}, rejects_table = {lit(REJECTS_TABLE)})"
    )


def _projection(entity: contract.Entity, from_sql: str, src_line: str) -> str:
    names = list(entity.columns)
    paths = "[" + ", ".join(lit('$."' + n + '"') for n in names) + "]"
    known = "[" + ", ".join(lit(n) for n in names) + "]"
    patch = lit("{" + ", ".join(f'"{n}": null' for n in names) + "}")
    cols = [f"NULLIF(_v[{i}], '') AS {ident(n)}" for i, n in enumerate(names, start=1)]
    # a field holding an object or an array where the contract has a value: its text
    # would load as a string (`{"erp":"100340"}`) and match nothing; the line is refused
    field_paths = [lit('$."' + n + '"') for n in names]
    nested = ", ".join(
        f"CASE WHEN (starts_with(_v[{i}], '{{') OR starts_with(_v[{i}], '[')) "
        f"AND json_type(line, {path}) "
        f"IN ('OBJECT', 'ARRAY') THEN {lit(n)} END"
        for i, (n, path) in enumerate(zip(names, field_paths, strict=True), start=1)
    )
    return f"""
SELECT
  {", ".join(cols)},
  CASE WHEN _obj AND len(list_filter(json_keys(line), lambda k: NOT list_contains({known}, k))) > 0
       THEN CAST(json_merge_patch(line, {patch}) AS VARCHAR) END AS _extra,
  line AS _raw,
  CASE WHEN _blank THEN NULL
       WHEN NOT _valid THEN 'line is not valid JSON'
       WHEN NOT _obj THEN 'line is not a JSON object'
       WHEN _nested <> '' THEN _nested || ': a JSON object or array where a value belongs'
       END AS _prefail,
  _blank AS _skip,
  _src AS _src_line
FROM (
  SELECT *, CASE WHEN _obj THEN concat_ws(', ', {nested}) END AS _nested
  FROM (
  SELECT *, CASE WHEN _obj THEN json_extract_string(line, {paths}) END AS _v
  FROM (
    SELECT line, _src, _blank, _valid,
           _valid AND starts_with(ltrim(line), '{{') AS _obj
    FROM (
      SELECT line, {src_line} AS _src,
             coalesce(regexp_full_match(line, '[ \\t\\r]*'), TRUE) AS _blank,
             coalesce(json_valid(line), FALSE) AS _valid
      FROM {from_sql}
    )
  )
  )
)"""


def duckdb_source(path: Path, entity: contract.Entity) -> str:
    return _projection(entity, _read_lines(path), "CAST(NULL AS BIGINT)")


def python_lines(path: Path) -> pa.Table:
    """Fallback: split the file on newlines in Python (line n is row n, 1-based)."""
    text = path.read_bytes().decode("utf-8", errors="replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return pa.table(
        {
            "line": pa.array([ln.rstrip("\r") for ln in lines], pa.string()),
            "_line": pa.array(range(1, len(lines) + 1), pa.int64()),
        }
    )


def python_source(arrow_name: str, entity: contract.Entity) -> str:
    return _projection(entity, arrow_name, "_line")


def raw_lines_sql(path: Path) -> str:
    """SELECT line FROM the file, one row per line (for rare second looks)."""
    return f"SELECT line FROM {_read_lines(path)}"
