"""Row flags: loaded, but marked (see ARCHITECTURE.md, Raw layer).

`added_columns`, `non_eur_currency`, `mojibake_repaired`, `control_characters_removed`,
`quantity_sign_mismatch`, `unknown_<column>`, in that order. The first two are set as rows
are appended, the others afterwards on the appended rows.
"""

from __future__ import annotations

from datetime import date

import duckdb

from klantwaarde import contract
from klantwaarde.load.casting import CURRENCY_COLUMN, FIX
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
    """SQL conditions that find candidate rows (set-based) for `repair_mojibake_rows`."""
    return [f"regexp_matches({ident(c)}, '{_MOJIBAKE_PATTERN}')" for c in name_columns(entity)]


def repair_mojibake_rows(
    con: duckdb.DuckDBPyConnection, entity: contract.Entity, where: str
) -> int:
    """Repair mojibake in the name columns of the raw rows `where` selects (one file's rows,
    just appended) and flag them `mojibake_repaired`.

    Candidates are found set-based; only those few values are repaired in Python, put in
    FIX (`_pos` = the raw row's rowid) and written back with the row's flags recomputed.
    Returns the number of rows repaired.
    """
    columns = name_columns(entity)
    con.execute(f"DROP TABLE IF EXISTS {FIX}")
    if not columns:
        return 0
    candidates = con.execute(
        f"SELECT rowid, {', '.join(ident(c) for c in columns)} FROM {entity.raw_table} "
        f"WHERE {where} AND ({' OR '.join(mojibake_conditions(entity))})"
    ).fetchall()
    fixes = []
    for rowid, *values in candidates:
        repaired = [repair_mojibake(v) if v else None for v in values]
        if any(repaired):
            fixes.append((rowid, *repaired))
    if not fixes:
        return 0
    body = ", ".join(f"{ident(c)} VARCHAR" for c in columns)
    con.execute(f"CREATE TEMP TABLE {FIX} (_pos BIGINT, {body})")
    marks = ", ".join("?" for _ in range(len(columns) + 1))
    con.executemany(f"INSERT INTO {FIX} VALUES ({marks})", fixes)
    sets = ", ".join(f"{ident(c)} = coalesce(f.{ident(c)}, t.{ident(c)})" for c in columns)
    con.execute(
        f"UPDATE {entity.raw_table} AS t SET {sets}, "
        f"_flags = {flags_sql(entity, 't', 'f')} "
        f"FROM {FIX} f WHERE t.rowid = f._pos"
    )
    return len(fixes)


def flags_sql(entity: contract.Entity, alias: str = "t", fix: str | None = None) -> str:
    """SQL for the row's own flags (all but `unknown_<column>`) joined by ';', NULL when
    clean. `flag_unknown_references` appends the reference flags afterwards."""
    parts = [f"CASE WHEN {alias}._extra IS NOT NULL THEN 'added_columns' END"]
    if CURRENCY_COLUMN in entity.columns:
        parts.append(
            f"CASE WHEN {alias}.{ident(CURRENCY_COLUMN)} <> 'EUR' THEN 'non_eur_currency' END"
        )
    if fix:
        parts.append(f"CASE WHEN {fix}._pos IS NOT NULL THEN 'mojibake_repaired' END")
    return f"NULLIF(concat_ws(';', {', '.join(parts)}), '')"


def _unknown(entity: contract.Entity, ref: contract.Reference, extract_date: date) -> str:
    master = contract.entity(entity.system, ref.entity)
    col = f"t.{ident(ref.column)}"
    return (
        f"{col} IS NOT NULL AND {col} NOT IN ("
        f"SELECT {ident(ref.key)} FROM {master.raw_table} "
        f"WHERE _extract_date = {lit(extract_date)} AND {ident(ref.key)} IS NOT NULL)"
    )


def flag_unknown_references(
    con: duckdb.DuckDBPyConnection, entity: contract.Entity, extract_date: date, where: str
) -> None:
    """Append `unknown_<column>` to the flags of the raw rows `where` selects whose reference
    is not a key of the same drop's master (the last flags in a row's list).

    A separate, parallel pass over the appended rows, cheaper than the same anti-join
    inside the append.
    """
    if not entity.references:
        return
    conds = [_unknown(entity, ref, extract_date) for ref in entity.references]
    parts = ", ".join(
        f"CASE WHEN {cond} THEN 'unknown_{ref.column}' END"
        for ref, cond in zip(entity.references, conds, strict=True)
    )
    any_unknown = " OR ".join(f"({c})" for c in conds)
    con.execute(
        f"UPDATE {entity.raw_table} AS t "
        f"SET _flags = NULLIF(concat_ws(';', t._flags, {parts}), '') "
        f"WHERE {where} AND ({any_unknown})"
    )


# Control characters that have no place in a value (NUL, the C0 set but tab, line feed and
# carriage return, DEL): a NUL in a company name reaches BI tools and breaks exports.
CONTROL_PATTERN = "[\\x{00}-\\x{08}\\x{0B}\\x{0C}\\x{0E}-\\x{1F}\\x{7F}]"


def remove_control_characters(
    con: duckdb.DuckDBPyConnection, entity: contract.Entity, where: str
) -> int:
    """Remove control characters from the text columns of the raw rows `where` selects and
    flag those rows `control_characters_removed`; returns how many rows changed."""
    text = [c for c, t in entity.columns.items() if t == "VARCHAR"]
    if not text:
        return 0
    found = " OR ".join(f"regexp_matches({ident(c)}, '{CONTROL_PATTERN}')" for c in text)
    sets = ", ".join(
        f"{ident(c)} = regexp_replace({ident(c)}, '{CONTROL_PATTERN}', '', 'g')" for c in text
    )
    return int(
        con.execute(
            f"UPDATE {entity.raw_table} SET {sets}, "
            "_flags = concat_ws(';', _flags, 'control_characters_removed') "
            f"WHERE {where} AND ({found})"
        ).fetchall()[0][0]
    )


def flag_quantity_sign(con: duckdb.DuckDBPyConnection, entity: contract.Entity, where: str) -> int:
    """Flag `quantity_sign_mismatch` on invoice lines whose quantity and net amount have
    opposite signs: a credit note is negative in both, so a negative quantity on a line
    that is no credit note (or the reverse) is loaded as written and marked."""
    if not {"quantity", "net_amount"} <= set(entity.columns):
        return 0
    return int(
        con.execute(
            f"UPDATE {entity.raw_table} SET "
            "_flags = concat_ws(';', _flags, 'quantity_sign_mismatch') "
            f"WHERE {where} AND sign(quantity) * sign(net_amount) < 0"
        ).fetchall()[0][0]
    )
