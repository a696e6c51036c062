"""Row flags: loaded, but marked (see ARCHITECTURE.md, Raw layer).

`added_columns`, `non_eur_currency`, `mojibake_repaired`, `unknown_<column>`.
"""

from __future__ import annotations

from datetime import date

import duckdb

from klantwaarde import contract
from klantwaarde.load.casting import CURRENCY_COLUMN, TYPED
from klantwaarde.load.sql import ident, lit

# Free-text columns where Latin-1 mojibake of names shows up and is repaired.
NAME_LIKE: frozenset[str] = frozenset(
    {"name", "address_line", "city", "address1_city", "description", "account_name"}
)
# Two characters that UTF-8 bytes of one accented letter become when read as Latin-1.
_MOJIBAKE_PATTERN = "[\\x{C2}-\\x{F4}][\\x{80}-\\x{BF}]"


def repair_mojibake(text: str) -> str | None:
    """`MÃ¼ller` → `Müller` when the text is UTF-8 read as Latin-1; None otherwise."""
    try:
        fixed = text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return None
    return fixed if fixed != text else None


def repair_mojibake_columns(con: duckdb.DuckDBPyConnection, entity: contract.Entity) -> int:
    """Repair mojibake in the name-like columns of loadable rows; mark them `_moj`.

    Candidates are found set-based with a regular expression; only those few values
    are repaired in Python. Returns the number of rows repaired.
    """
    columns = [c for c in entity.columns if c in NAME_LIKE and entity.columns[c] == "VARCHAR"]
    repaired_rows: set[int] = set()
    for column in columns:
        col = ident(column)
        candidates = con.execute(
            f"SELECT _pos, {col} FROM {TYPED} WHERE _reason IS NULL AND NOT _skip "
            f"AND regexp_matches({col}, '{_MOJIBAKE_PATTERN}')"
        ).fetchall()
        fixes = [(rid, fixed) for rid, text in candidates if (fixed := repair_mojibake(text))]
        if not fixes:
            continue
        con.execute("DROP TABLE IF EXISTS _kw_fix")
        con.execute("CREATE TEMP TABLE _kw_fix (rid BIGINT, val VARCHAR)")
        con.executemany("INSERT INTO _kw_fix VALUES (?, ?)", fixes)
        con.execute(
            f"UPDATE {TYPED} SET {col} = f.val, _moj = TRUE FROM _kw_fix f "
            f"WHERE {TYPED}._pos = f.rid"
        )
        con.execute("DROP TABLE _kw_fix")
        repaired_rows.update(rid for rid, _ in fixes)
    return len(repaired_rows)


def flags_sql(entity: contract.Entity, extract_date: date, alias: str = "t") -> str:
    """SQL for `_flags`: the row's flags joined by ';', NULL when clean."""
    parts = [
        f"CASE WHEN {alias}._extra IS NOT NULL THEN 'added_columns' END",
    ]
    if CURRENCY_COLUMN in entity.columns:
        parts.append(
            f"CASE WHEN {alias}.{ident(CURRENCY_COLUMN)} <> 'EUR' THEN 'non_eur_currency' END"
        )
    if any(c in NAME_LIKE for c in entity.columns):
        parts.append(f"CASE WHEN {alias}._moj THEN 'mojibake_repaired' END")
    for ref in entity.references:
        master = contract.entity(entity.system, ref.entity)
        col = f"{alias}.{ident(ref.column)}"
        parts.append(
            f"CASE WHEN {col} IS NOT NULL AND {col} NOT IN ("
            f"SELECT {ident(ref.key)} FROM {master.raw_table} "
            f"WHERE _extract_date = {lit(extract_date)} AND {ident(ref.key)} IS NOT NULL) "
            f"THEN 'unknown_{ref.column}' END"
        )
    return f"NULLIF(concat_ws(';', {', '.join(parts)}), '')"
