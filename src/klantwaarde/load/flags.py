"""Row flags: loaded, but marked (see ARCHITECTURE.md, Raw layer).

`added_columns`, `non_eur_currency`, `mojibake_repaired`, `unknown_<column>`.
"""

from __future__ import annotations

from datetime import date

import duckdb

from klantwaarde import contract
from klantwaarde.load.casting import BAD, CURRENCY_COLUMN, FIX
from klantwaarde.load.sql import ident, lit

# Free-text columns where Latin-1 mojibake of names shows up and is repaired.
NAME_LIKE: frozenset[str] = frozenset(
    {"name", "address_line", "city", "address1_city", "description", "account_name"}
)
# Two characters that the UTF-8 bytes of one accented letter become when read as Latin-1.
_MOJIBAKE_PATTERN = "[\\x{C2}-\\x{F4}][\\x{80}-\\x{BF}]"


def name_columns(entity: contract.Entity) -> list[str]:
    return [c for c in entity.columns if c in NAME_LIKE and entity.columns[c] == "VARCHAR"]


def repair_mojibake(text: str) -> str | None:
    """`MÃ¼ller` → `Müller` when the text is UTF-8 read as Latin-1; None otherwise."""
    try:
        fixed = text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return None
    return fixed if fixed != text else None


def mojibake_conditions(entity: contract.Entity) -> list[str]:
    """SQL conditions that find candidate rows (set-based) for `create_fixes`."""
    return [f"regexp_matches({ident(c)}, '{_MOJIBAKE_PATTERN}')" for c in name_columns(entity)]


def create_fixes(con: duckdb.DuckDBPyConnection, entity: contract.Entity) -> int:
    """FIX(_pos, <name columns>): repaired values of loadable candidate rows in BAD.

    Only those few values are repaired in Python. Returns the number of rows repaired.
    """
    columns = name_columns(entity)
    con.execute(f"DROP TABLE IF EXISTS {FIX}")
    if not columns:
        return 0
    candidates = con.execute(
        f"SELECT _pos, {', '.join(ident(c) for c in columns)} FROM {BAD} WHERE _reason IS NULL"
    ).fetchall()
    fixes = []
    for pos, *values in candidates:
        repaired = [repair_mojibake(v) if v else None for v in values]
        if any(repaired):
            fixes.append((pos, *repaired))
    if not fixes:
        return 0
    body = ", ".join(f"{ident(c)} VARCHAR" for c in columns)
    con.execute(f"CREATE TEMP TABLE {FIX} (_pos BIGINT, {body})")
    marks = ", ".join("?" for _ in range(len(columns) + 1))
    con.executemany(f"INSERT INTO {FIX} VALUES ({marks})", fixes)
    return len(fixes)


def flags_sql(
    entity: contract.Entity, extract_date: date, alias: str = "t", fix: str | None = None
) -> str:
    """SQL for `_flags`: the row's flags joined by ';', NULL when clean."""
    parts = [f"CASE WHEN {alias}._extra IS NOT NULL THEN 'added_columns' END"]
    if CURRENCY_COLUMN in entity.columns:
        parts.append(
            f"CASE WHEN {alias}.{ident(CURRENCY_COLUMN)} <> 'EUR' THEN 'non_eur_currency' END"
        )
    if fix:
        parts.append(f"CASE WHEN {fix}._pos IS NOT NULL THEN 'mojibake_repaired' END")
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
