"""What a build records in the warehouse and reads back the next night.

`meta.build_runs` (one row per successful build), `meta.build_parse` (the parse of the
project it ran), `meta.build_bridge` and `meta.build_restated_customers` (the mapping the
conformed-customer marts reflect and the customers it restated: publish patches the same
rows). `tonight` gathers what the warehouse holds before a build for `rebuild.plan`;
`save_state` records a successful build.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb

from klantwaarde import rebuild
from klantwaarde.dbt_invoke import project_dir
from klantwaarde.settings import RunSettings

# The facts at the source's grain, incremental by whole months (var rebuild_from_month).
SOURCE_GRAIN_FACTS: tuple[str, ...] = (
    "intermediate.int_erp_revenue_monthly",
    "intermediate.int_erp_invoice_drivers_monthly",
    "intermediate.int_erp_receivables_monthly",
    "intermediate.int_source_activity_monthly",
    "intermediate.int_cost_allocations",
    "intermediate.int_cost_allocations_split_by_account",
)

# Delta entities whose rows land in a month downstream: (raw table, key, business date).
DELTA_MONTH_SOURCES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("raw_erp.invoice_lines", ("invoice_no", "line_no"), "invoice_date"),
    ("raw_erp.payments", ("payment_id",), "payment_date"),
    ("raw_erp.gl_entries", ("entry_no",), "posting_date"),
    ("raw_crm.activities", ("activityid",), "actualstart"),
    ("raw_servicedesk.tickets", ("ticket_id",), "created_at"),
)


STATE_DDL = (
    "create schema if not exists meta",
    """create table if not exists meta.build_runs (
        as_of_date date not null,
        rebuild_from_month date,
        full_refresh boolean not null,
        seeds_sha256 varchar not null,
        raw_loaded_until timestamp,
        reasons varchar,
        built_at timestamp not null
    )""",
    # added later: warehouses built before it get the column (NULL: unknown project)
    "alter table meta.build_runs add column if not exists project_sha256 varchar",
    # kept by earlier versions: re-links deferred to the month close, a copy of every
    # allocation per GL account, the cost per customer and month as a view of its own
    "drop table if exists meta.pending_relinks",
    "drop table if exists intermediate.int_cost_allocations_traced",
    "drop view if exists intermediate.int_customer_cost_monthly",
    # the mapping the conformed-customer marts were built with (dbt source build_state)
    """create table if not exists meta.build_bridge (
        system varchar, source_id varchar, customer_key varchar
    )""",
    # the models a changed project restated whole (schema.name; empty on other builds)
    "alter table meta.build_runs add column if not exists rebuilt_whole varchar[]",
    # the last successful build's parse of the project (dbt's manifest.json), which the
    # next build compares a changed project with (state:modified)
    """create table if not exists meta.build_parse (
        project_sha256 varchar not null, settings_sha256 varchar not null,
        manifest varchar not null
    )""",
)
BRIDGE = "mart.bridge_customer_source"
RESTATED = "intermediate.int_customer_keys_restated"


def _fingerprint(paths: Iterable[Path]) -> str:
    digest = hashlib.sha256()
    root = project_dir()
    for path in sorted(paths):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def seeds_fingerprint() -> str:
    """sha256 over every seed file: a changed rate or pool map moves every month."""
    return _fingerprint((project_dir() / "seeds").rglob("*.csv"))


def reference_fingerprint(settings: RunSettings) -> str:
    """The seeds and the run's config folder: a changed rate, pool map, capacity or
    activity moves every month."""
    return hashlib.sha256((seeds_fingerprint() + settings.config.fingerprint).encode()).hexdigest()


def project_fingerprint() -> str:
    """sha256 over the project's definition: models, macros, snapshots, tests and
    `dbt_project.yml` (seeds have their own fingerprint)."""
    root = project_dir()
    files = [root / "dbt_project.yml"]
    for folder in ("models", "macros", "snapshots", "tests"):
        files += [p for p in (root / folder).rglob("*") if p.is_file()]
    return _fingerprint(files)


def settings_fingerprint() -> str:
    """sha256 of `dbt_project.yml`: its vars reach models in ways dbt's state comparison
    cannot follow, so a change to it restates everything."""
    return _fingerprint([project_dir() / "dbt_project.yml"])


@dataclass(frozen=True)
class SavedParse:
    """The parse of the project the last successful build ran (`meta.build_parse`)."""

    project_sha256: str
    settings_sha256: str
    manifest: str  # dbt's manifest.json


def saved_parse(con: duckdb.DuckDBPyConnection) -> SavedParse | None:
    """The parse the last successful build saved (None: no build saved one)."""
    row = con.execute(
        "select project_sha256, settings_sha256, manifest from meta.build_parse limit 1"
    ).fetchone()
    return SavedParse(*row) if row else None


def connect(settings: RunSettings) -> duckdb.DuckDBPyConnection:
    """A read-write connection to the run's warehouse (its folder created)."""
    settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
    return duckdb.connect(str(settings.warehouse), config=settings.duckdb.config())


def relation_type(con: duckdb.DuckDBPyConnection, relation: str) -> str | None:
    """Whether `schema.name` is a 'BASE TABLE' or a 'VIEW' of the connected warehouse
    (None: neither)."""
    schema, name = relation.split(".")
    row = con.execute(
        "select table_type from information_schema.tables"
        " where table_schema = ? and table_name = ?",
        [schema, name],
    ).fetchone()
    return row[0] if row else None


def relation_exists(con: duckdb.DuckDBPyConnection, relation: str) -> bool:
    """Whether `schema.name` is a table or view of the connected warehouse."""
    return relation_type(con, relation) is not None


def previous_run(con: duckdb.DuckDBPyConnection) -> rebuild.PreviousBuild | None:
    """The last successful build (None: the warehouse was never built)."""
    row = con.execute(
        "select as_of_date, seeds_sha256, project_sha256, raw_loaded_until"
        " from meta.build_runs order by built_at desc limit 1"
    ).fetchone()
    return rebuild.PreviousBuild(*row) if row else None


# The staged deltas and masters (row versions up to the as-of date of their last build:
# the deltas are views over the raw tables, the masters incremental tables).
STAGED_DELTAS: tuple[str, ...] = (
    "staging.stg_erp__invoice_lines",
    "staging.stg_erp__payments",
    "staging.stg_erp__gl_entries",
    "staging.stg_crm__activities",
    "staging.stg_servicedesk__tickets",
    # the masters (a full snapshot per drop): the latest one staged
    "staging.stg_erp__customers",
    "staging.stg_crm__accounts",
    "staging.stg_servicedesk__organizations",
)


# The staged deltas whose latest drop sets the receivables horizon.
ERP_RECEIVABLE_DELTAS: tuple[str, ...] = (
    "staging.stg_erp__invoice_lines",
    "staging.stg_erp__payments",
)


def staged_until(
    con: duckdb.DuckDBPyConnection, relations: Sequence[str] = STAGED_DELTAS
) -> date | None:
    """The latest drop (extract_date) any of the staged deltas and masters holds."""
    parts = [
        f"select max(extract_date) as d from {relation}"
        for relation in relations
        if relation_exists(con, relation)
    ]
    if not parts:
        return None
    return con.execute(f"select max(d) from ({' union all '.join(parts)})").fetchone()[0]


def raw_loaded_until(con: duckdb.DuckDBPyConnection) -> datetime | None:
    parts = [
        f"select max(_loaded_at) as t from {table}"
        for table, _, _ in DELTA_MONTH_SOURCES
        if relation_exists(con, table)
    ]
    if not parts:
        return None
    return con.execute(f"select max(t) from ({' union all '.join(parts)})").fetchone()[0]


def changed_rows_month(
    con: duckdb.DuckDBPyConnection, since: datetime | None, as_of: date
) -> date | None:
    """Earliest month of any version of a key that got a new version after `since`."""
    months: list[date] = []
    for table, key, business_date in DELTA_MONTH_SOURCES:
        if not relation_exists(con, table):
            continue
        keys = ", ".join(key)
        new_filter = "_loaded_at > ?" if since is not None else "true"
        params: list[Any] = [as_of] + ([since] if since is not None else []) + [as_of]
        value = con.execute(
            f"""
            with changed_keys as (
                select distinct {keys} from {table}
                where _extract_date <= ? and {new_filter}
            )
            select min(cast({business_date} as date))
            from {table}
            inner join changed_keys using ({keys})
            where _extract_date <= ?
            """,
            params,
        ).fetchone()[0]
        if value is not None:
            months.append(rebuild.month(value))
    return min(months) if months else None


def tonight(
    con: duckdb.DuckDBPyConnection,
    settings: RunSettings,
    previous: rebuild.PreviousBuild | None,
    rebuild_from: date | None,
    saved: SavedParse | None,
) -> rebuild.Tonight:
    """What the warehouse holds before the build, for `rebuild.plan`."""
    return rebuild.Tonight(
        as_of=settings.as_of,
        seeds_sha256=reference_fingerprint(settings),
        project_sha256=project_fingerprint(),
        full_refresh_requested=settings.full_refresh,
        load_touched_from=rebuild_from,
        staged_until=staged_until(con),
        erp_staged_until=staged_until(con, ERP_RECEIVABLE_DELTAS),
        changed_rows_from=(
            changed_rows_month(con, previous.raw_loaded_until, settings.as_of)
            if previous is not None
            else None
        ),
        missing_facts=tuple(t for t in SOURCE_GRAIN_FACTS if not relation_exists(con, t)),
        changes_comparable=(
            previous is not None
            and saved is not None
            and saved.project_sha256 == previous.project_sha256
            and saved.settings_sha256 == settings_fingerprint()
        ),
    )


def save_state(
    con: duckdb.DuckDBPyConnection,
    settings: RunSettings,
    plan: rebuild.RebuildPlan,
    tonight: rebuild.Tonight,
    loaded_until: datetime | None,
    rebuilt_whole: Sequence[str],
) -> None:
    """Record a successful build: its row in `meta.build_runs`, the parse it ran, the
    customers it restated and the mapping its marts reflect (`loaded_until`: the raw
    tables' latest `_loaded_at` before the build)."""
    con.execute(
        "insert into meta.build_runs (as_of_date, rebuild_from_month, full_refresh,"
        " seeds_sha256, raw_loaded_until, reasons, built_at, project_sha256, rebuilt_whole)"
        " values (?, ?, ?, ?, ?, ?, current_timestamp, ?, ?)",
        [
            settings.as_of,
            plan.rebuild_from,
            plan.full_refresh,
            tonight.seeds_sha256,
            loaded_until,
            "; ".join(plan.reasons),
            tonight.project_sha256,
            list(rebuilt_whole),
        ],
    )
    # the parse this build ran (written by `parse`); without it the next build on a
    # changed project rebuilds everything
    manifest = settings.output_dir / "dbt_target" / "manifest.json"
    con.execute("delete from meta.build_parse")
    if manifest.is_file():
        con.execute(
            "insert into meta.build_parse values (?, ?, ?)",
            [tonight.project_sha256, settings_fingerprint(), manifest.read_text(encoding="utf-8")],
        )
    # the customers this build restated in every month (publish patches the same rows),
    # then the mapping the marts now reflect, for the next build to compare with
    if relation_exists(con, RESTATED):
        con.execute(
            f"create or replace table meta.build_restated_customers as"
            f" select customer_key from {RESTATED}"
        )
    if relation_exists(con, BRIDGE):
        con.execute(
            f"create or replace table meta.build_bridge as"
            f" select system, source_id, customer_key from {BRIDGE}"
        )
