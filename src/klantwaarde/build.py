"""dbt seed, snapshot and build, in-process (`dbt.cli.main.dbtRunner`).

`build(settings, rebuild_from)` builds the warehouse for `settings.as_of`. The facts of
the mart are incremental by whole months (var `rebuild_from_month`); this module decides
which months to rebuild so that an incremental build gives exactly the mart a full
refresh would give. The first month rebuilt is the earliest of:

- `rebuild_from`: the first month the load touched (`LoadSummary.touched_from`);
- the month of the previous build's as-of date (open receivables accrue euro-days and
  fall overdue as time goes on, so the last built month changes even without new rows);
- the months of every row version loaded since the previous build, *and of the earlier
  versions of the same keys* (a corrected row that moves to another month empties the
  old one);
- for re-links, source ids whose customer_key changed in `mart.bridge_customer_source`
  (a merge of duplicates or a new match moves old tickets, visits and invoices to
  another customer): the months of their facts, when they must be restated now. The
  bridge is built first, with its upstream (staging, matching) and their tests,
  compared with the one saved by the previous build, and only then is the rest built
  (each node runs once per build; a node left out of both invocations is a BuildError).
  dbt's unit tests (the project's code, not the night's data) run on the builds that
  restate everything, the first build of a new project version among them, not again
  every night.
The project is parsed once per build, without the run's vars (`parse`), and every
invocation runs on that manifest with the night's vars: dbt then reuses its saved parse
instead of parsing from scratch because the vars changed.

Re-links restate closed months at the month close (`RunSettings.relink_restatement`,
default "month_close"): new matching evidence arrives every night and re-links a few
source ids whose facts go back to the first month, so restating history each night
would make every night a full rebuild. The months rebuilt tonight follow the new mapping;
the months before them keep the mapping they were built with, and the re-link waits in
`meta.pending_relinks` until the first build of the next month restates it (then the
mart equals a full refresh again). A re-link whose old customer_key is gone (merged
away) restates at once: its old facts would point at no customer. Finance's totals per
pool and month do not depend on the mapping, so the reconciliation holds every night.
Policy "nightly" restates every re-link at once (an incremental night then always
equals a full refresh); `--full-refresh` restates everything.

Models that do not depend on the customer mapping (the ERP aggregates at the source's
own grain) only rebuild the months whose data changed: var `data_rebuild_from_month`,
the window above before bridge changes widen it.

Seeds are loaded first, always with dbt's `--full-refresh` (`seed()`): they are small,
and a seed whose columns changed (a column added to the pool map) would otherwise be
loaded into the old table and fail. The builds after it leave the seeds out; the tests
of the seeds alone run on the build that loads them, not on a night that leaves them as
they are (the seed fingerprint of the last build is theirs).

Everything is rebuilt (no `rebuild_from_month`) on the first build, with
`settings.full_refresh`, or when a mart fact table is missing; with dbt's
`--full-refresh` too when a seed changed (rates, pool map, capacities move every month
and reach into the incremental staging tables) or when the as-of date is earlier than
the previous build's (the staging tables hold row versions up to the later date). When the
project's definition changed since the last build (models, macros, snapshots,
`dbt_project.yml`: an upgrade of klantwaarde), every month is rebuilt with dbt's
`--full-refresh` too, so a fact whose columns changed is recreated instead of failing
its `on_schema_change='fail'` guard, and no month keeps figures of the old definition.

State lives in the warehouse: `meta.build_runs` (one row per successful build) and
`meta.build_bridge` (the bridge as of the last successful build). The dbt connection
is closed before `build` returns: the next steps open the same DuckDB file.
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

from klantwaarde.errors import BuildError
from klantwaarde.future.tables import ensure_tables as ensure_future_value_tables
from klantwaarde.settings import DBT_PROJECT_DIR, RunSettings

log = logging.getLogger(__name__)


# Incremental facts of the mart (rebuilt by whole months).
INCREMENTAL_FACTS: tuple[str, ...] = (
    "fct_customer_profitability",
    "fct_cost_allocation",
    "fct_allocation_trace",
    "fct_customer_activity",
    "reconciliation_ledger",
)

# Delta entities whose rows land in a month downstream: (raw table, key, business date).
DELTA_MONTH_SOURCES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("raw_erp.invoice_lines", ("invoice_no", "line_no"), "invoice_date"),
    ("raw_erp.payments", ("payment_id",), "payment_date"),
    ("raw_erp.gl_entries", ("entry_no",), "posting_date"),
    ("raw_crm.activities", ("activityid",), "actualstart"),
    ("raw_servicedesk.tickets", ("ticket_id",), "created_at"),
    # GL postings in quarantine (klantwaarde.load.quarantined_gl): their months show
    # the quarantined money in reconciliation_ledger
    ("meta.quarantined_gl_entries", ("quarantine_id",), "posting_date"),
)

# Where the facts of a source id start: (bridge system, staging relation, id column,
# month expression). Staging views exist once the bridge has been built.
SOURCE_ID_MONTHS: tuple[tuple[str, str, str, str], ...] = (
    ("erp", "staging.stg_erp__invoice_lines", "customer_no", "invoice_date"),
    ("erp", "staging.stg_erp__gl_entries", "customer_no", "posting_date"),
    ("crm", "staging.stg_crm__activities", "account_id", "started_at"),
    ("servicedesk", "staging.stg_servicedesk__tickets", "organization_id", "created_at"),
)

BRIDGE = "mart.bridge_customer_source"


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
        }


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _month(value: date | datetime | None) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        value = value.date()
    return value.replace(day=1)


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
        lines = [line for line in lines if line and not line.startswith("Runtime Error in")]
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


def invoke(settings: RunSettings, args: Sequence[str], *, what: str, manifest: Any = None) -> Any:
    """Run one dbt command in-process; raise BuildError naming every failing node.

    `manifest`: a project parsed by `parse` (dbt then does not parse again); the vars of
    `args` still apply, since dbt renders every node when it runs it. Such an invocation
    does not write `manifest.json` again (`parse` wrote it; M: 0.4 s per invocation):
    `--no-write-json`, and the run results are written here instead."""
    from dbt.cli.main import dbtRunner

    from klantwaarde import progress

    target = settings.output_dir / "dbt_target"
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
    # re-links whose months before the nightly window are restated at the month close
    """create table if not exists meta.pending_relinks (
        system varchar not null,
        source_id varchar not null,
        since date not null
    )""",
)


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


def project_fingerprint() -> str:
    """sha256 over the project's definition: models, macros, snapshots, tests and
    `dbt_project.yml` (seeds have their own fingerprint)."""
    root = project_dir()
    files = [root / "dbt_project.yml"]
    for folder in ("models", "macros", "snapshots", "tests"):
        files += [p for p in (root / folder).rglob("*") if p.is_file()]
    return _fingerprint(files)


def _connect(settings: RunSettings) -> duckdb.DuckDBPyConnection:
    settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
    return duckdb.connect(str(settings.warehouse), config=settings.duckdb.config())


def relation_exists(con: duckdb.DuckDBPyConnection, relation: str) -> bool:
    """Whether `schema.name` is a table or view of the connected warehouse."""
    schema, name = relation.split(".")
    return bool(
        con.execute(
            "select count(*) from information_schema.tables"
            " where table_schema = ? and table_name = ?",
            [schema, name],
        ).fetchone()[0]
    )


def _previous_run(con: duckdb.DuckDBPyConnection) -> dict[str, Any] | None:
    row = con.execute(
        "select as_of_date, seeds_sha256, raw_loaded_until, project_sha256"
        " from meta.build_runs order by built_at desc limit 1"
    ).fetchone()
    if row is None:
        return None
    return {
        "as_of": row[0],
        "seeds_sha256": row[1],
        "raw_loaded_until": row[2],
        "project_sha256": row[3],
    }


# The incremental staging tables (row versions up to the as-of date of their build).
STAGED_DELTAS: tuple[str, ...] = (
    "staging.stg_erp__invoice_lines",
    "staging.stg_erp__payments",
    "staging.stg_erp__gl_entries",
    "staging.stg_crm__activities",
    "staging.stg_servicedesk__tickets",
    # the masters are incremental too (a full snapshot per drop): the latest one staged
    "staging.stg_erp__customers",
    "staging.stg_crm__accounts",
    "staging.stg_servicedesk__organizations",
)


# The staging tables whose latest drop sets the receivables horizon.
ERP_RECEIVABLE_DELTAS: tuple[str, ...] = (
    "staging.stg_erp__invoice_lines",
    "staging.stg_erp__payments",
)


def _staged_until(
    con: duckdb.DuckDBPyConnection, relations: Sequence[str] = STAGED_DELTAS
) -> date | None:
    """The latest drop (extract_date) any of the incremental staging tables holds."""
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
            months.append(_month(value))
    return min(months) if months else None


UNASSIGNED_CUSTOMER_KEY = "0" * 32  # dbt macro unassigned_customer_key()


def _facts_month(con: duckdb.DuckDBPyConnection, ids_sql: str) -> date | None:
    """Earliest month of the facts of the source ids `ids_sql` selects (system,
    source_id)."""
    months: list[date] = []
    for system, relation, column, month_column in SOURCE_ID_MONTHS:
        if not relation_exists(con, relation):
            continue
        value = con.execute(
            f"""
            select min(cast({month_column} as date)) from {relation}
            where {column} in (select source_id from ({ids_sql}) where system = ?)
            """,
            [system],
        ).fetchone()[0]
        if value is not None:
            months.append(_month(value))
    return min(months) if months else None


def _create_bridge_changes(con: duckdb.DuckDBPyConnection) -> int:
    """Temp table `_bridge_changes`: the source ids whose customer_key changed since the
    bridge saved by the previous build, and whether their old key is gone (merged away:
    facts left under it would point at no customer). Returns how many changed."""
    if not relation_exists(con, "meta.build_bridge") or not relation_exists(con, BRIDGE):
        return 0
    con.execute(
        f"""
        create or replace temp table _bridge_changes as
        select coalesce(now_.system, before.system) as system,
               coalesce(now_.source_id, before.source_id) as source_id,
               before.customer_key is not null
                 and before.customer_key <> '{UNASSIGNED_CUSTOMER_KEY}'
                 and before.customer_key not in (select customer_key from {BRIDGE})
                 as old_key_gone
        from {BRIDGE} as now_
        full outer join meta.build_bridge as before
            on now_.system = before.system and now_.source_id = before.source_id
        where now_.customer_key is distinct from before.customer_key
        """
    )
    return con.execute("select count(*) from _bridge_changes").fetchone()[0]


@dataclass(frozen=True)
class Relinks:
    """What the re-links of one build restate (see `relink_window`)."""

    changed: int  # source ids whose customer_key changed since the previous build
    restate_from: date | None  # earliest month to rebuild for them now (None: no need)
    deferred: int  # re-links whose months before the window wait for the month close
    pending: list[tuple[str, str, date]]  # (system, source_id, since) left to restate
    reasons: list[str]


def relink_window(
    con: duckdb.DuckDBPyConnection, window_from: date, as_of: date, restate_all: bool
) -> Relinks:
    """Which months the re-links since the previous build restate now.

    A re-link moves a source id's facts to another customer_key: the months rebuilt
    tonight (from `window_from`) follow the new mapping anyway. For the months before,
    `restate_all` (the first build of a new month, or policy "nightly") rebuilds them
    now, together with every re-link deferred earlier (`meta.pending_relinks`).
    Otherwise they wait for the month close, except when the old customer_key is gone
    (a merge): facts under it would point at no customer, so those restate now.
    """
    changed = _create_bridge_changes(con)
    pending_table = relation_exists(con, "meta.pending_relinks")
    previous = (
        con.execute("select system, source_id, since from meta.pending_relinks").fetchall()
        if pending_table
        else []
    )
    reasons: list[str] = []
    if changed:
        reasons.append(f"{changed} customer mappings changed")
    if restate_all:
        parts = ["select system, source_id from _bridge_changes"] if changed else []
        if previous:
            parts.append("select system, source_id from meta.pending_relinks")
        month = _facts_month(con, " union all ".join(parts)) if parts else None
        if previous:
            reasons.append(f"{len(previous)} deferred re-links restated")
        if month is not None and month < window_from:
            reasons.append(f"re-linked facts restated from {month}")
        return Relinks(changed, month, 0, [], reasons)
    if not changed:
        return Relinks(0, None, 0, previous, reasons)
    urgent = _facts_month(con, "select system, source_id from _bridge_changes where old_key_gone")
    if urgent is not None and urgent < window_from:
        reasons.append(f"facts of merged-away customers restated from {urgent}")
    con.execute(
        f"""
        create or replace temp table _deferred as
        select distinct c.system, c.source_id from _bridge_changes c
        where not c.old_key_gone and (
            {
            " or ".join(
                f"(c.system = '{system}' and exists (select 1 from {relation} f"
                f" where f.{column} = c.source_id"
                f" and cast({month_column} as date) < ?))"
                for system, relation, column, month_column in SOURCE_ID_MONTHS
                if relation_exists(con, relation)
            )
            or "false"
        }
        )
        """,
        [window_from] * sum(1 for r in SOURCE_ID_MONTHS if relation_exists(con, r[1])),
    )
    deferred = con.execute("select system, source_id from _deferred").fetchall()
    known = {(system, source_id) for system, source_id, _ in previous}
    pending = previous + [(sy, sid, as_of) for sy, sid in deferred if (sy, sid) not in known]
    if deferred:
        reasons.append(
            f"{len(deferred)} re-links restate their months before {window_from} at the month close"
        )
    return Relinks(changed, urgent, len(deferred), pending, reasons)


def _save_state(
    con: duckdb.DuckDBPyConnection,
    settings: RunSettings,
    rebuild_from: date | None,
    seeds_sha256: str,
    project_sha256: str,
    raw_loaded_until: datetime | None,
    reasons: Sequence[str],
    pending: Sequence[tuple[str, str, date]] = (),
) -> None:
    for ddl in STATE_DDL:
        con.execute(ddl)
    con.execute("delete from meta.pending_relinks")
    if pending:
        con.executemany("insert into meta.pending_relinks values (?, ?, ?)", list(pending))
    con.execute(
        "insert into meta.build_runs (as_of_date, rebuild_from_month, full_refresh,"
        " seeds_sha256, raw_loaded_until, reasons, built_at, project_sha256)"
        " values (?, ?, ?, ?, ?, ?, current_timestamp, ?)",
        [
            settings.as_of,
            rebuild_from,
            settings.full_refresh,
            seeds_sha256,
            raw_loaded_until,
            "; ".join(reasons),
            project_sha256,
        ],
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
    data_from: date | None = None,
    staged_after: tuple[datetime | None, date] | None = None,
) -> str:
    """dbt vars: the as-of date, the first month rebuilt (`rebuild_from_month`) and the
    first month whose source data changed (`data_rebuild_from_month`: the window of the
    models that do not depend on the customer mapping; never earlier than
    `rebuild_from_month` would be without bridge changes). None = every month.

    `staged_after`: (raw_loaded_until, as_of) of the previous build, on an incremental
    build: the row versions the incremental staging tables take in tonight were loaded
    after the first or extracted after the second (`staged_after_loaded_at`,
    `staged_after_extract_date`; the key tests of those tables check these rows)."""
    loaded_after, extracted_after = (
        staged_after if rebuild_from is not None and staged_after else (None, None)
    )
    return json.dumps(
        {
            "as_of_date": settings.as_of.isoformat(),
            "rebuild_from_month": _iso(rebuild_from),
            "data_rebuild_from_month": _iso(data_from if rebuild_from is not None else None),
            "staged_after_loaded_at": loaded_after.isoformat(sep=" ") if loaded_after else None,
            "staged_after_extract_date": _iso(extracted_after),
        }
    )


def parse(settings: RunSettings) -> Any:
    """`dbt parse` without vars; returns the manifest that the invocations of a build share.

    The run's vars (as-of date, rebuild window) change every night, and dbt parses a
    project from scratch whenever its vars differ from those of the saved parse (M: 3.7
    s). They only matter when a node is rendered to run, so the project is parsed with
    its default vars (partially, from the saved parse, when no file changed: 0.3 s) and
    every invocation gets the night's vars with this manifest."""
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


def build(settings: RunSettings, rebuild_from: date | None = None) -> BuildSummary:
    """dbt seed, snapshot and build for `settings.as_of`; see the module docstring.

    `rebuild_from`: the first day the load touched (None when the caller knows of no
    change). The window is widened as described above; `settings.full_refresh` rebuilds
    everything with dbt's `--full-refresh`. Raises BuildError naming every failing
    model and test.
    """
    started = time.monotonic()
    # `dbt_target/invocations/` holds the results of this build's invocations only
    shutil.rmtree(settings.output_dir / "dbt_target" / "invocations", ignore_errors=True)
    seeds_sha256 = seeds_fingerprint()
    project_sha256 = project_fingerprint()
    reasons: list[str] = []
    everything = False
    full_refresh = settings.full_refresh

    con = _connect(settings)
    try:
        for ddl in STATE_DDL:
            con.execute(ddl)
        # the semantic layer's view over the value step's table (dbt source future_value)
        ensure_future_value_tables(con)
        previous = _previous_run(con)
        raw_loaded_until = _raw_loaded_until(con)
        missing = [t for t in INCREMENTAL_FACTS if not relation_exists(con, f"mart.{t}")]
        seeds_in_place = previous is not None and previous["seeds_sha256"] == seeds_sha256
        seeds_in_place = seeds_in_place and all(
            relation_exists(con, f"seeds.{csv.stem}")
            for csv in (project_dir() / "seeds").rglob("*.csv")
        )
        staged_until = _staged_until(con)
        if settings.full_refresh:
            everything, reasons = True, ["full refresh requested"]
        elif previous is None:
            # with dbt's --full-refresh too: a warehouse whose build log was lost
            everything, reasons = True, ["first build of this warehouse"]
            full_refresh = True
        elif previous["project_sha256"] != project_sha256:
            everything, reasons = True, ["the dbt project changed since the last build"]
            full_refresh = True
        elif previous["seeds_sha256"] != seeds_sha256:
            # rates and pool maps reach into the staging tables too (amounts in EUR)
            everything, reasons = True, ["a seed changed"]
            full_refresh = True
        elif settings.as_of < previous["as_of"] or (
            staged_until is not None and settings.as_of < staged_until
        ):
            # the incremental staging tables hold row versions up to the later date
            # (a build that failed after staging still moved them on)
            everything, reasons = True, ["as-of date before the date already staged"]
            full_refresh = True
        elif missing:
            everything, reasons = True, [f"mart.{missing[0]} missing"]
        candidates: list[date] = []
        if not everything:
            if rebuild_from is not None:
                candidates.append(_month(rebuild_from))
                reasons.append(f"load touched {_month(rebuild_from)}")
            # the later of the two as-of months moves (receivables age with the date);
            # building an earlier date than before also drops what came after it
            previous_as_of = _month(min(previous["as_of"], settings.as_of))
            candidates.append(previous_as_of)
            reasons.append(f"previous as-of month {previous_as_of}")
            # receivables accrue up to the day after the latest ERP drop: when the ERP
            # drops lagged behind the as-of date, that horizon is earlier still
            erp_until = _staged_until(con, ERP_RECEIVABLE_DELTAS)
            if erp_until is not None and _month(erp_until) < previous_as_of:
                candidates.append(_month(erp_until))
                reasons.append(f"receivables horizon of the last build in {_month(erp_until)}")
            rows_month = changed_rows_month(con, previous["raw_loaded_until"], settings.as_of)
            if rows_month is not None:
                candidates.append(rows_month)
                reasons.append(f"row versions since the last build reach back to {rows_month}")
    finally:
        con.close()

    effective = None if everything else min(candidates)
    data_from = effective
    staged_after = None if everything else (previous["raw_loaded_until"], previous["as_of"])
    pending: list[tuple[str, str, date]] = []  # re-links deferred to the month close
    # the seed tables of the last build are those of the CSVs (same fingerprint): a
    # night spares the dbt invocation; a first build, a full refresh or a changed or
    # missing seed loads them all again
    manifest = parse(settings)
    seeded = None
    if full_refresh or everything or not seeds_in_place:
        seeded = seed(settings, _vars(settings, effective, data_from, staged_after), manifest)
    executed: set[str] = set()
    # the tests of the seeds alone test CSVs of the project: they run on the build that
    # loads them (seeded above), not again on every night that leaves them as they are
    seed_tests = _seed_tests(manifest) if seeded is None else set()
    if not everything:
        # dbt's unit tests test the project's code, not the night's data: they run on
        # every build that restates everything (the first build of a project version
        # among them), as dbt recommends for production, not again every night
        #
        # the bridge first: a changed customer mapping moves old facts to other
        # customers. Its upstream (staging, matching) and their tests are built here
        # once; the build below leaves them out.
        first = invoke(
            settings,
            [
                "build",
                "--select",
                "+bridge_customer_source",
                "--exclude-resource-type",
                "seed",
                "unit_test",
                "--indirect-selection",
                "buildable",
                *(
                    ["--exclude", *sorted(manifest.nodes[t].name for t in seed_tests)]
                    if seed_tests
                    else []
                ),
                "--vars",
                _vars(settings, effective, data_from, staged_after),
            ],
            what="build of the customer bridge",
            manifest=manifest,
        )
        executed = _executed(first)
        restate_all = settings.relink_restatement == "nightly" or (
            _month(settings.as_of) > _month(previous["as_of"])
        )
        con = _connect(settings)
        try:
            relinks = relink_window(con, effective, settings.as_of, restate_all)
        finally:
            con.close()
        reasons += relinks.reasons
        pending = relinks.pending
        if relinks.restate_from is not None:
            effective = min(effective, relinks.restate_from)

    vars_json = _vars(settings, effective, data_from, staged_after)
    if executed:
        remaining = _remaining_selectors(manifest, executed | seed_tests)
        args = ["build", "--select", *remaining, "--indirect-selection", "empty"]
        args += ["--vars", vars_json]
    else:
        args = ["build", "--exclude-resource-type", "seed", "--vars", vars_json]
    if full_refresh:
        args.append("--full-refresh")
    result = invoke(settings, args, what="build", manifest=manifest)
    if executed:
        missing = _expected_nodes(manifest) - executed - seed_tests - _executed(result)
        if missing:
            raise BuildError(f"dbt build left out {len(missing)} node(s): {sorted(missing)[:5]}")

    con = _connect(settings)
    try:
        _save_state(
            con,
            settings,
            effective,
            seeds_sha256,
            project_sha256,
            raw_loaded_until,
            reasons,
            pending,
        )
    finally:
        con.close()

    counts = _counts(result)
    for status, n in (_counts(seeded) if seeded is not None else {}).items():
        counts[status] = counts.get(status, 0) + n
    summary = BuildSummary(
        as_of=settings.as_of,
        requested_rebuild_from=rebuild_from,
        rebuild_from=effective,
        full_refresh=full_refresh,
        reasons=tuple(reasons),
        nodes_ok=sum(n for status, n in counts.items() if status in ("success", "pass")),
        seconds=time.monotonic() - started,
        results=counts,
    )
    log.info("build: %s", summary.as_dict())
    return summary


def _executed(result: Any) -> set[str]:
    """unique_ids of the nodes a dbt invocation ran."""
    return {r.node.unique_id for r in getattr(result.result, "results", None) or []}


def _expected_nodes(manifest: Any) -> set[str]:
    """Every node of a night's build (`dbt build --exclude-resource-type seed unit_test`):
    models, snapshots, data tests and exposures of the parsed project."""
    nodes = {
        uid
        for uid, node in manifest.nodes.items()
        if _text(node.resource_type) in ("model", "snapshot", "test")
    }
    return nodes | set(manifest.exposures)


def _seed_tests(manifest: Any) -> set[str]:
    """unique_ids of the data tests that depend on seeds only."""
    return {
        uid
        for uid, node in manifest.nodes.items()
        if _text(node.resource_type) == "test"
        and node.depends_on.nodes
        and all(parent.startswith("seed.") for parent in node.depends_on.nodes)
    }


def _remaining_selectors(manifest: Any, executed: set[str]) -> list[str]:
    """dbt selectors for every node of a build that `executed` did not run yet."""
    selectors = []
    for uid in sorted(_expected_nodes(manifest) - executed):
        if uid in manifest.exposures:
            selectors.append("exposure:" + manifest.exposures[uid].name)
        else:
            selectors.append(manifest.nodes[uid].name)
    return selectors


def project_dir() -> Path:
    """The dbt project: `dbt_project/` of the repository, or KLANTWAARDE_DBT_PROJECT_DIR
    (tests build from a frozen copy so that edits in the checkout do not leak in)."""
    return Path(os.environ.get("KLANTWAARDE_DBT_PROJECT_DIR") or DBT_PROJECT_DIR)
