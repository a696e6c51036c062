"""The build runner: dbt seed and build, in-process (`dbt.cli.main.dbtRunner`).

`build(settings, rebuild_from)` builds the warehouse for `settings.as_of`. It reads what
the previous build recorded (`meta.build_runs`) and what the warehouse holds, lets
`klantwaarde.rebuild.plan` decide the first month the facts at the source's grain
rebuild (var `rebuild_from_month`), and runs one `dbt build`. Those facts never depend on
the customer mapping; the conformed-customer marts map them through the bridge, for
those months and for every month of the customers whose source ids changed since the
previous build (the mapping it saved, `meta.build_bridge`), so every night's mart equals
a full refresh (doc block `source_grain`).

The project is parsed once per build, without the run's vars (`parse`), and every
invocation runs on that manifest with the night's vars: dbt then reuses its saved parse
instead of parsing from scratch because the vars changed.

Seeds are loaded with dbt's `--full-refresh` (`seed()`) on a build that restates
everything or when a seed table is missing or changed: a seed whose columns changed would
otherwise be loaded into the old table and fail. The tests of the seeds alone run on the
build that loads them. dbt's unit tests (the project's code, not the night's data) run on
the builds that restate everything.

A changed project (a new version deployed) is compared with the parse the previous build
saved (`meta.build_parse`): the models dbt finds modified (`state:modified+`: changed
models, models on changed macros, and everything downstream) have their incremental
tables dropped and are built whole, the rest of the build is the night the data asks for
(see `klantwaarde.rebuild`); its tests check every row. The tables and views of models
and seeds the new version no longer has (removed, renamed, moved) are dropped, so that no
stale relation stays in the warehouse or reaches the published mart.

State lives in the warehouse: `meta.build_runs` (one row per successful build),
`meta.build_bridge` and `meta.build_restated_customers` (what the last build mapped and
restated; publish patches the same rows). The dbt connection is closed before `build`
returns: the next steps open the same DuckDB file.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb

from klantwaarde import rebuild
from klantwaarde.config.store import write_config
from klantwaarde.errors import BuildError
from klantwaarde.future.tables import ensure_tables as ensure_future_value_tables
from klantwaarde.settings import DBT_PROJECT_DIR, RunSettings

log = logging.getLogger(__name__)


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


@dataclass(frozen=True)
class BuildSummary:
    as_of: date
    requested_rebuild_from: date | None
    rebuild_from: date | None  # the month rebuilt from; None = every month
    full_refresh: bool
    reasons: tuple[str, ...]  # why the rebuild window is what it is
    nodes_ok: int
    seconds: float
    results: dict[str, int] = field(default_factory=dict)  # status -> count
    # the models a new version of the project changed, rebuilt whole (schema.name)
    rebuilt_whole: tuple[str, ...] = ()
    # the relations of models and seeds a new version of the project no longer has,
    # dropped (schema.name)
    dropped: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "requested_rebuild_from": _iso(self.requested_rebuild_from),
            "rebuild_from": _iso(self.rebuild_from),
            "full_refresh": self.full_refresh,
            "reasons": list(self.reasons),
            "nodes_ok": self.nodes_ok,
            "seconds": round(self.seconds, 1),
            "results": dict(self.results),
            "rebuilt_whole": list(self.rebuilt_whole),
            "dropped": list(self.dropped),
        }


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


# ------------------------------------------------------------------ dbt in-process


def dbt_env(settings: RunSettings) -> dict[str, str]:
    """Environment the dbt profile and project read."""
    return {
        "KLANTWAARDE_WAREHOUSE": str(settings.warehouse.resolve()),
        "KLANTWAARDE_DUCKDB_MEMORY": settings.duckdb.memory_limit,
        "KLANTWAARDE_DUCKDB_THREADS": str(settings.duckdb.threads),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
        "DO_NOT_TRACK": "1",
    }


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def close_dbt_connections() -> None:
    """Close the DuckDB database dbt-duckdb keeps open for the life of the process."""
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    except ImportError:  # pragma: no cover - dbt-duckdb is a dependency
        return
    with DuckDBConnectionManager._LOCK:
        env = DuckDBConnectionManager._ENV
        if env is not None:
            try:
                env.close()
            finally:
                DuckDBConnectionManager._ENV = None
    try:
        from dbt.adapters.factory import reset_adapters

        reset_adapters()
    except Exception:  # pragma: no cover - best effort
        log.debug("reset_adapters failed", exc_info=True)


def _text(value: Any) -> str:
    """A dbt enum (node status, resource type) as its value's text."""
    return str(getattr(value, "value", value))


def _failures(result: Any) -> list[str]:
    """'model fct_x (error: ...)' for every node that did not pass."""
    failures: list[str] = []
    run_results = getattr(result.result, "results", None) or []
    for node_result in run_results:
        status = _text(node_result.status)
        if status in ("success", "pass", "skipped", "no-op", "warn"):
            continue
        node = node_result.node
        kind = _text(getattr(node, "resource_type", "node"))
        # one line: dbt's message is "Runtime Error in model x (path)\n  <the cause>"
        lines = [line.strip() for line in (node_result.message or "").splitlines()]
        lines = [
            line
            for line in lines
            if line and not line.startswith(("Runtime Error in", "Compilation Error in"))
        ]
        detail = " ".join(lines)[:240]
        if status == "fail" and getattr(node_result, "failures", None):
            detail = f"{node_result.failures} failing rows"
        failures.append(f"{kind} {node.name} ({status}{': ' + detail if detail else ''})")
    return failures


def _counts(result: Any) -> dict[str, int]:
    counts: dict[str, int] = {}
    for node_result in getattr(result.result, "results", None) or []:
        status = _text(node_result.status)
        counts[status] = counts.get(status, 0) + 1
    return counts


def invoke(
    settings: RunSettings,
    args: Sequence[str],
    *,
    what: str,
    manifest: Any = None,
    target_name: str = "dbt_target",
) -> Any:
    """Run one dbt command in-process; raise BuildError naming every failing node.

    `manifest`: a project parsed by `parse` (dbt then does not parse again); the vars of
    `args` still apply, since dbt renders every node when it runs it. Such an invocation
    does not write `manifest.json` again (`parse` wrote it): `--no-write-json`, and the
    run results are written here instead."""
    from dbt.cli.main import dbtRunner

    from klantwaarde import progress

    target = settings.output_dir / target_name
    full_args = [
        *args,
        *(["--no-write-json"] if manifest is not None else []),
        "--project-dir",
        str(project_dir()),
        "--profiles-dir",
        str(project_dir()),
        "--target-path",
        str(target),
        "--log-path",
        str(target / "logs"),
        "--quiet",
    ]
    log.info("dbt %s", " ".join(args))
    settings.output_dir.mkdir(parents=True, exist_ok=True)
    # a command that writes no results (docs generate) must not keep the previous ones
    (target / "run_results.json").unlink(missing_ok=True)
    with _environment(dbt_env(settings)):
        try:
            result = dbtRunner(manifest=manifest, callbacks=[progress.dbt_callback(what)]).invoke(
                full_args
            )
        finally:
            close_dbt_connections()
    if manifest is not None and hasattr(result.result, "write"):
        result.result.write(str(target / "run_results.json"))
    _keep_run_results(target, what)
    if result.success:
        return result
    failures = _failures(result)
    if not failures:
        # a parse or compilation error: no node results, the cause is the exception
        failures = [" ".join(str(result.exception or "unknown error").split())[:300]]
    raise BuildError(f"dbt {what} failed: " + "; ".join(failures))


def _keep_run_results(target: Path, what: str) -> None:
    """Keep each invocation's run_results.json (the next one overwrites it) as
    `dbt_target/invocations/<what>.json`: node timings of every step of a build."""
    results = target / "run_results.json"
    if results.exists():
        kept = target / "invocations"
        kept.mkdir(exist_ok=True)
        shutil.copyfile(results, kept / (re.sub(r"[^a-z0-9]+", "_", what.lower()) + ".json"))


# ------------------------------------------------------------------ build state

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


def _saved_parse(con: duckdb.DuckDBPyConnection) -> SavedParse | None:
    row = con.execute(
        "select project_sha256, settings_sha256, manifest from meta.build_parse limit 1"
    ).fetchone()
    return SavedParse(*row) if row else None


def _connect(settings: RunSettings) -> duckdb.DuckDBPyConnection:
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


def _previous_run(con: duckdb.DuckDBPyConnection) -> rebuild.PreviousBuild | None:
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


def _staged_until(
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


def _raw_loaded_until(con: duckdb.DuckDBPyConnection) -> datetime | None:
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


def _tonight(
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
        staged_until=_staged_until(con),
        erp_staged_until=_staged_until(con, ERP_RECEIVABLE_DELTAS),
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


def _save_state(
    con: duckdb.DuckDBPyConnection,
    settings: RunSettings,
    plan: rebuild.RebuildPlan,
    tonight: rebuild.Tonight,
    raw_loaded_until: datetime | None,
    rebuilt_whole: Sequence[str],
) -> None:
    con.execute(
        "insert into meta.build_runs (as_of_date, rebuild_from_month, full_refresh,"
        " seeds_sha256, raw_loaded_until, reasons, built_at, project_sha256, rebuilt_whole)"
        " values (?, ?, ?, ?, ?, ?, current_timestamp, ?, ?)",
        [
            settings.as_of,
            plan.rebuild_from,
            plan.full_refresh,
            tonight.seeds_sha256,
            raw_loaded_until,
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


# ------------------------------------------------------------------ the step


def _vars(
    settings: RunSettings,
    rebuild_from: date | None,
    staged_after: tuple[datetime | None, date] | None = None,
    test_every_row: bool = False,
) -> str:
    """dbt vars: the as-of date and the first month the facts at the source's grain
    rebuild (`rebuild_from_month`; None = every month).

    `test_every_row`: the build of a new version of the project, whose tests check every
    row as on a build of every month (macro tests_this_builds_rows).

    `staged_after`: (raw_loaded_until, as_of) of the previous build, on a build without
    --full-refresh: the row versions that are new to staging tonight were loaded after
    the first or extracted after the second (`staged_after_loaded_at`,
    `staged_after_extract_date`). The superseded versions are recomputed for their keys
    only, and on a night the tests of the staged deltas check these rows."""
    loaded_after, extracted_after = staged_after or (None, None)
    return json.dumps(
        {
            "as_of_date": settings.as_of.isoformat(),
            "rebuild_from_month": _iso(rebuild_from),
            "staged_after_loaded_at": loaded_after.isoformat(sep=" ") if loaded_after else None,
            "staged_after_extract_date": _iso(extracted_after),
            "value_window_months": settings.config.thresholds.value_window_months,
            "test_every_row": test_every_row,
        }
    )


def parse(settings: RunSettings) -> Any:
    """`dbt parse` without vars; returns the manifest that the invocations of a build share.

    The run's vars (as-of date, rebuild window) change every night, and dbt parses a
    project from scratch whenever its vars differ from those of the saved parse. They
    only matter when a node is rendered to run, so the project is parsed with its
    default vars (partially, from the saved parse, when no file changed) and every
    invocation gets the night's vars with this manifest."""
    return invoke(settings, ["parse"], what="parse").result


def seed(settings: RunSettings, vars_json: str, manifest: Any = None) -> Any:
    """dbt seed --full-refresh: every seed table dropped and created again from its CSV.

    An ordinary `dbt seed` on an existing warehouse empties the old table and inserts the
    CSV into it, so a seed whose columns changed fails (the old columns are kept; DuckDB
    cannot read the CSV as the old table). Seeds are small, so recreating them every
    build costs little. `manifest`: the build's parse (see `parse`)."""
    return invoke(
        settings, ["seed", "--full-refresh", "--vars", vars_json], what="seed", manifest=manifest
    )


def changed_models(settings: RunSettings, manifest: Any, saved: SavedParse) -> list[Any]:
    """The models of the parsed project (`manifest`) that dbt finds modified against the
    saved parse of the previous build, and every model downstream of them
    (`dbt ls --select state:modified+`): the nodes, in dbt's order."""
    state = settings.output_dir / "dbt_state"
    shutil.rmtree(state, ignore_errors=True)
    state.mkdir(parents=True)
    (state / "manifest.json").write_text(saved.manifest, encoding="utf-8")
    listed = invoke(
        settings,
        [
            *("ls", "--log-level", "none"),  # the list is the result, not a log
            *("--select", "state:modified+", "--state", str(state)),
            *("--resource-type", "model", "--output", "json", "--output-keys", "unique_id"),
        ],
        what="changed models",
        manifest=manifest,
    )
    return [manifest.nodes[json.loads(line)["unique_id"]] for line in listed.result or []]


def restate_changed(settings: RunSettings, models: Sequence[Any]) -> list[str]:
    """Drop the incremental tables of `models`, so that tonight's build creates them
    whole; returns every model's `schema.name`. The other models, tables and views, are
    recreated by any build; snapshots are never dropped (their history is not in the
    sources)."""
    drop_relations(
        settings,
        [f"{n.schema}.{n.alias}" for n in models if n.config.materialized == "incremental"],
    )
    return sorted(f"{node.schema}.{node.alias}" for node in models)


def removed_relations(saved_manifest: dict[str, Any], manifest: Any) -> list[str]:
    """The relations (`schema.name`) of the models and seeds of a saved parse
    (`saved_manifest`, dbt's manifest.json) that the parsed project (`manifest`) neither
    builds nor reads as a source: a model or seed removed, renamed or moved to another
    schema. Snapshots are not among them: their history is not in the sources."""
    before = {
        f"{node['schema']}.{node['alias']}"
        for node in saved_manifest["nodes"].values()
        if node["resource_type"] in ("model", "seed")
    }
    now = {f"{n.schema}.{n.alias}" for n in manifest.nodes.values() if n.alias}
    now |= {f"{s.schema}.{s.identifier}" for s in manifest.sources.values()}
    return sorted(before - now)


def drop_relations(settings: RunSettings, relations: Sequence[str]) -> list[str]:
    """Drop the tables and views among `relations` that the warehouse holds; returns
    those dropped."""
    dropped = []
    con = _connect(settings)
    try:
        for relation in relations:
            kind = relation_type(con, relation)
            if kind is not None:
                schema, name = relation.split(".")
                con.execute(f'drop {"view" if kind == "VIEW" else "table"} "{schema}"."{name}"')
                dropped.append(relation)
    finally:
        con.close()
    return dropped


def build(settings: RunSettings, rebuild_from: date | None = None) -> BuildSummary:
    """dbt seed and build for `settings.as_of`; see the module docstring.

    `rebuild_from`: the first day the load touched (None when the caller knows of no
    change). Raises BuildError naming every failing model and test.
    """
    started = time.monotonic()
    # `dbt_target/invocations/` holds the results of this build's invocations only
    shutil.rmtree(settings.output_dir / "dbt_target" / "invocations", ignore_errors=True)
    con = _connect(settings)
    try:
        for ddl in STATE_DDL:
            con.execute(ddl)
        # the semantic layer's view over the value step's table (dbt source future_value)
        ensure_future_value_tables(con)
        # the run's cost model (dbt source config)
        write_config(con, settings.config)
        previous = _previous_run(con)
        saved = _saved_parse(con)
        tonight = _tonight(con, settings, previous, rebuild_from, saved)
        seeds_in_place = (
            previous is not None
            and previous.seeds_sha256 == tonight.seeds_sha256
            and all(
                relation_exists(con, f"seeds.{csv.stem}")
                for csv in (project_dir() / "seeds").rglob("*.csv")
            )
        )
        raw_loaded_until = _raw_loaded_until(con)
    finally:
        con.close()
    plan = rebuild.plan(previous, tonight)
    staged_after = (
        None
        if plan.full_refresh or previous is None
        else (previous.raw_loaded_until, previous.as_of)
    )

    manifest = parse(settings)
    dropped: list[str] = []
    if saved is not None and saved.project_sha256 != tonight.project_sha256:
        # what the new version no longer has goes, or the publish would copy a stale mart
        dropped = drop_relations(settings, removed_relations(json.loads(saved.manifest), manifest))
    rebuilt_whole: list[str] = []
    if plan.restate_modified and saved is not None:
        rebuilt_whole = restate_changed(settings, changed_models(settings, manifest, saved))
    vars_json = _vars(settings, plan.rebuild_from, staged_after, plan.restate_modified)
    seeded = None
    if plan.everything or not seeds_in_place:
        seeded = seed(settings, vars_json, manifest)
    args = ["build", "--exclude-resource-type", "seed"]
    if not plan.everything:
        # unit tests test the project's code, not the night's data: they run on every
        # build that restates everything (their fixtures hold no night's window), as dbt
        # recommends for production
        args.append("unit_test")
    if seeded is None:
        # the tests of the seeds alone test the project's CSVs: they ran when loaded
        seed_tests = sorted(manifest.nodes[uid].name for uid in _seed_tests(manifest))
        args += ["--exclude", *seed_tests] if seed_tests else []
    args += ["--vars", vars_json]
    if plan.full_refresh:
        args.append("--full-refresh")
    result = invoke(settings, args, what="build", manifest=manifest)

    con = _connect(settings)
    try:
        _save_state(con, settings, plan, tonight, raw_loaded_until, rebuilt_whole)
    finally:
        con.close()

    counts = _counts(result)
    for status, n in (_counts(seeded) if seeded is not None else {}).items():
        counts[status] = counts.get(status, 0) + n
    summary = BuildSummary(
        as_of=settings.as_of,
        requested_rebuild_from=rebuild_from,
        rebuild_from=plan.rebuild_from,
        full_refresh=plan.full_refresh,
        reasons=plan.reasons,
        nodes_ok=sum(n for status, n in counts.items() if status in ("success", "pass")),
        seconds=time.monotonic() - started,
        results=counts,
        rebuilt_whole=tuple(rebuilt_whole),
        dropped=tuple(dropped),
    )
    log.info("build: %s", summary.as_dict())
    return summary


def _seed_tests(manifest: Any) -> set[str]:
    """unique_ids of the data tests that depend on seeds only."""
    return {
        uid
        for uid, node in manifest.nodes.items()
        if _text(node.resource_type) == "test"
        and node.depends_on.nodes
        and all(parent.startswith("seed.") for parent in node.depends_on.nodes)
    }


def project_dir() -> Path:
    """The dbt project: `dbt_project/` of the repository, or KLANTWAARDE_DBT_PROJECT_DIR
    (tests build from a frozen copy so that edits in the checkout do not leak in)."""
    return Path(os.environ.get("KLANTWAARDE_DBT_PROJECT_DIR") or DBT_PROJECT_DIR)
