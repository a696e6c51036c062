"""What the warehouse and reliability tests read from a mart, in one place."""

from __future__ import annotations

from pathlib import Path

import duckdb


def mart_rows(path: Path) -> dict[str, list[tuple]]:
    """Every table of schema `mart` of a DuckDB file (a warehouse or a published mart),
    its rows sorted: two of them compare equal when their marts hold the same rows."""
    with duckdb.connect(str(path), read_only=True) as con:
        tables = [
            name
            for (name,) in con.execute(
                "select table_name from duckdb_tables() where schema_name = 'mart' order by 1"
            ).fetchall()
        ]
        return {t: con.execute(f'select * from mart."{t}" order by all').fetchall() for t in tables}
