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

What a build records and reads back lives in the warehouse (`klantwaarde.build_state`:
`meta.build_runs`, `meta.build_parse`, `meta.build_bridge`,
`meta.build_restated_customers`). dbt runs through `klantwaarde.dbt_invoke`, which names
every failing node and closes dbt's connection after each invocation: the next steps
open the same DuckDB file.
"""

from __future__ import annotations

import json
import logging
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from klantwaarde import build_state as state
from klantwaarde import rebuild
from klantwaarde.config.store import write_config
from klantwaarde.dbt_invoke import enum_text, invoke, project_dir, status_counts
from klantwaarde.future.tables import ensure_tables as ensure_future_value_tables
from klantwaarde.settings import RunSettings

log = logging.getLogger(__name__)


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


def changed_models(settings: RunSettings, manifest: Any, saved: state.SavedParse) -> list[Any]:
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
    con = state.connect(settings)
    try:
        for relation in relations:
            kind = state.relation_type(con, relation)
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
    con = state.connect(settings)
    try:
        for ddl in state.STATE_DDL:
            con.execute(ddl)
        # the semantic layer's view over the value step's table (dbt source future_value)
        ensure_future_value_tables(con)
        # the run's cost model (dbt source config)
        write_config(con, settings.config)
        previous = state.previous_run(con)
        saved = state.saved_parse(con)
        tonight = state.tonight(con, settings, previous, rebuild_from, saved)
        seeds_in_place = (
            previous is not None
            and previous.seeds_sha256 == tonight.seeds_sha256
            and all(
                state.relation_exists(con, f"seeds.{csv.stem}")
                for csv in (project_dir() / "seeds").rglob("*.csv")
            )
        )
        raw_loaded_until = state.raw_loaded_until(con)
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

    con = state.connect(settings)
    try:
        state.save_state(con, settings, plan, tonight, raw_loaded_until, rebuilt_whole)
    finally:
        con.close()

    counts = status_counts(result)
    for status, n in (status_counts(seeded) if seeded is not None else {}).items():
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
        if enum_text(node.resource_type) == "test"
        and node.depends_on.nodes
        and all(parent.startswith("seed.") for parent in node.depends_on.nodes)
    }
