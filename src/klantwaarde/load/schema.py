"""DDL of the raw and meta schemas, derived from the extract contract."""

from __future__ import annotations

import duckdb

from klantwaarde import contract

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


def ensure_schemas(con: duckdb.DuckDBPyConnection) -> None:
    """Create the raw_<system> and meta schemas and their tables when missing."""
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
