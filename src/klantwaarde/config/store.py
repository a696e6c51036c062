"""A validated config in the warehouse: schema `config` (dbt's source `config`).

One table per cost-model file, typed, and `config_version`: the folder, the fingerprint
and every file read (the folder's own or the shipped default). A scenario writes its own
config to another schema (`schema`) and dbt reads it there (var `config_schema`).
"""

from __future__ import annotations

import json

import duckdb

from klantwaarde.config.files import COLUMNS, CompanyConfig


def write_config(
    con: duckdb.DuckDBPyConnection, config: CompanyConfig, schema: str = "config"
) -> None:
    """Replace the config tables of `schema` with `config`, in one transaction."""
    con.execute("begin transaction")
    try:
        con.execute(f"create schema if not exists {schema}")
        for file, columns in COLUMNS.items():
            table = file.removesuffix(".csv")
            ddl = ", ".join(f"{name} {kind}" for name, kind, _ in columns)
            con.execute(f"create or replace table {schema}.{table} ({ddl})")
            rows = [
                [row[name] if row[name] != "" else None for name, _, _ in columns]
                for row in config.rows(file)
            ]
            if rows:
                marks = ", ".join("?" for _ in columns)
                con.executemany(f"insert into {schema}.{table} values ({marks})", rows)
        con.execute(
            f"create or replace table {schema}.config_version ("
            "config_dir varchar not null, config_fingerprint varchar not null,"
            " config_files varchar not null, read_at timestamp not null)"
        )
        con.execute(
            f"insert into {schema}.config_version values (?, ?, ?, current_timestamp)",
            [
                str(config.folder),
                config.fingerprint,
                json.dumps({name: str(path) for name, path in config.sources.items()}),
            ],
        )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
