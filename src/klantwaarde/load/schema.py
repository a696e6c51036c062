"""DDL of the raw and meta schemas, derived from the extract contract."""

from __future__ import annotations

import duckdb

from klantwaarde import contract
from klantwaarde.load.sql import ident

META_TABLES: dict[str, dict[str, str]] = {
    "meta.load_log": {
        "system": "VARCHAR NOT NULL",
        "extract_date": "DATE NOT NULL",
        "file_name": "VARCHAR NOT NULL",
        "rows_in": "BIGINT NOT NULL",
        "rows_loaded": "BIGINT NOT NULL",
        "rows_quarantined": "BIGINT NOT NULL",
        "sha256": "VARCHAR NOT NULL",
        "loaded_at": "TIMESTAMP NOT NULL",
        "status": "VARCHAR NOT NULL",
        "flags": "VARCHAR",
        # beyond ARCHITECTURE.md: to tell a changed file cheaply, and the earliest business
        # date the file's loaded rows touch (for payments also their invoices' dates)
        "file_size": "BIGINT",
        "file_mtime_ns": "BIGINT",
        "business_date_min": "DATE",
    },
    "meta.quarantine": {
        "system": "VARCHAR NOT NULL",
        "extract_date": "DATE NOT NULL",
        "file_name": "VARCHAR NOT NULL",
        "line_no": "BIGINT",
        "raw_content": "VARCHAR",
        "reason": "VARCHAR NOT NULL",
    },
    # the upgrades of the raw rows that a warehouse made by an older version had once
    "meta.raw_upgrades": {
        "upgrade": "VARCHAR NOT NULL",
        "applied_at": "TIMESTAMP NOT NULL",
    },
    # what the landing zone holds that no drop loads (klantwaarde.load.landing_issues)
    "meta.landing_issues": {
        "system": "VARCHAR",
        "folder": "VARCHAR NOT NULL",
        "file_name": "VARCHAR",
        "issue": "VARCHAR NOT NULL",
        "outcome": "VARCHAR NOT NULL",
        "seen_as_of": "DATE NOT NULL",
        "seen_at": "TIMESTAMP NOT NULL",
    },
}


def _create(con: duckdb.DuckDBPyConnection, table: str, columns: dict[str, str]) -> None:
    body = ",\n  ".join(f'"{name}" {type_}' for name, type_ in columns.items())
    con.execute(f"CREATE TABLE IF NOT EXISTS {table} (\n  {body}\n)")


def raw_columns(entity: contract.Entity) -> dict[str, str]:
    return {**entity.columns, **contract.LINEAGE_COLUMNS}


def trim_raw_text(con: duckdb.DuckDBPyConnection) -> int:
    """Take the spaces around every text value of the raw tables off; returns the values
    changed. The loader stores text so (`file_load._typed_out`), and the staging views
    of the deltas read it as stored: rows an older version loaded get the same once."""
    changed = 0
    for entity in contract.ENTITIES:
        for column, type_ in entity.columns.items():
            if type_ == "VARCHAR":
                name = ident(column)
                changed += con.execute(
                    f"UPDATE {entity.raw_table} SET {name} = trim({name})"
                    f" WHERE {name} <> trim({name})"
                ).fetchone()[0]
    return changed


# upgrade name -> what it does to the raw rows, once per warehouse
RAW_UPGRADES = {"text trimmed": trim_raw_text}


def ensure_schemas(con: duckdb.DuckDBPyConnection) -> None:
    """Create the raw_<system> and meta schemas and their tables when missing, and give
    the raw rows of a warehouse made by an older version the upgrades it lacks."""
    for system in contract.SYSTEMS:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS raw_{system}")
    con.execute("CREATE SCHEMA IF NOT EXISTS meta")
    for entity in contract.ENTITIES:
        _create(con, entity.raw_table, raw_columns(entity))
    for table, columns in META_TABLES.items():
        _create(con, table, columns)
        for name, type_ in columns.items():  # a warehouse made by an older version
            if "NOT NULL" not in type_:
                con.execute(f'ALTER TABLE {table} ADD COLUMN IF NOT EXISTS "{name}" {type_}')
    done = {row[0] for row in con.execute("SELECT upgrade FROM meta.raw_upgrades").fetchall()}
    for upgrade, apply in RAW_UPGRADES.items():
        if upgrade not in done:
            apply(con)
            con.execute("INSERT INTO meta.raw_upgrades VALUES (?, current_timestamp)", [upgrade])
