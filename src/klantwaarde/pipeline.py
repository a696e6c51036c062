"""The nightly run as ordered step functions: `klantwaarde run` and the DAG call these.

    wait → load → build → check → segment → reconcile → publish → document

Each step takes the `RunSettings` (plus, for `build`, what `load` returned), opens the
working warehouse only for as long as it needs it, closes every connection before it
returns, and returns a small JSON-able dict (the DAG passes it on as XCom). A step
that finds something wrong raises a `KlantwaardeError` whose message is the one-line
reason the run stops with. Because publish comes after every gate (dbt tests inside
`build`, GX in `check`, the ledger in `reconcile`), only a clean run replaces the
published mart; otherwise the previous published file stays byte-identical.

Single writer: DuckDB allows one read-write process per file, so the steps run one
after another, never side by side (the DAG chains them linearly and allows one active
run; see dags/klantwaarde_nightly.py).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from klantwaarde import progress
from klantwaarde.contract import SYSTEMS
from klantwaarde.errors import DropsNotReady, StepFailed
from klantwaarde.settings import RunSettings

log = logging.getLogger(__name__)

MANIFEST = "_manifest.json"


# ---------------------------------------------------------------- helpers


def _connect(settings: RunSettings, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
    return duckdb.connect(
        str(settings.warehouse), read_only=read_only, config=settings.duckdb.config()
    )


def _jsonable(value: Any) -> Any:
    """Turn a step's summary (a dataclass, dates, Decimals, paths) into JSON-able data."""
    if hasattr(value, "as_dict"):
        return _jsonable(value.as_dict())
    if hasattr(value, "__dataclass_fields__"):
        return {k: _jsonable(getattr(value, k)) for k in value.__dataclass_fields__}
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


# ---------------------------------------------------------------- 1 wait


def missing_systems(landing: Path, as_of: date) -> list[str]:
    """Systems with no complete drop (a drop folder with its manifest) for `as_of`."""
    from klantwaarde.load import missing_systems as loader_missing_systems

    return loader_missing_systems(Path(landing), as_of)


def drops_not_ready_message(landing: Path, as_of: date, missing: list[str]) -> str:
    return (
        f"no complete drop for {', '.join(missing)} on {as_of.isoformat()} "
        f"(expected {Path(landing)}/<system>/{as_of.isoformat()}/{MANIFEST})"
    )


def wait_for_drops(
    settings: RunSettings, timeout_s: float = 0.0, poke_interval_s: float = 30.0
) -> dict[str, Any]:
    """Step 1: every system has a complete drop for the as-of date.

    With `timeout_s=0` (the command line) it looks once. The DAG uses a sensor that
    pokes `missing_systems` instead, so that a waiting run holds no worker slot.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        missing = missing_systems(settings.landing, settings.as_of)
        if not missing:
            return {"as_of": settings.as_of.isoformat(), "systems": list(SYSTEMS)}
        if time.monotonic() >= deadline:
            raise DropsNotReady(drops_not_ready_message(settings.landing, settings.as_of, missing))
        time.sleep(min(poke_interval_s, max(0.0, deadline - time.monotonic())))


# ---------------------------------------------------------------- 0 configure


def configure(settings: RunSettings) -> dict[str, Any]:
    """Step 0: read and validate the config folder (`klantwaarde.config`) before anything
    is loaded or built; a bad file stops the run with one line naming file and row."""
    config = settings.config
    return {
        "config_dir": str(config.folder),
        "config_fingerprint": config.fingerprint,
        "files": {name: str(path) for name, path in config.sources.items()},
    }


# ---------------------------------------------------------------- 2 load


def load(settings: RunSettings) -> dict[str, Any]:
    """Step 2: every complete drop up to the as-of date that is not loaded yet.

    First, nights move forward (`klantwaarde.nights`): an as-of date before the last
    night built stops here, or, with a full refresh, every later night is forgotten."""
    from klantwaarde.load import load_landing
    from klantwaarde.nights import check_order, forget_later_nights

    con = _connect(settings)
    try:
        last = check_order(con, settings.as_of, restate=settings.full_refresh)
        forgotten = (
            forget_later_nights(con, settings.as_of)
            if last is not None and settings.as_of < last
            else {}
        )
        summary = load_landing(con, settings.landing, settings.as_of)
    finally:
        con.close()
    result = _jsonable(summary)
    if not isinstance(result, dict):
        result = {"summary": result}
    if forgotten:
        result["restated_from"] = last.isoformat() if last else None
        result["forgotten_rows"] = forgotten
    touched = getattr(summary, "touched_from", None)
    result["touched_from"] = touched.isoformat() if hasattr(touched, "isoformat") else touched
    return result


# ---------------------------------------------------------------- 3 build


def build(settings: RunSettings, rebuild_from: str | date | None = None) -> dict[str, Any]:
    """Step 3: dbt seed, snapshot and build (models and tests) in-process.

    `rebuild_from` is the first date the load touched (None: nothing new, or a full
    refresh). A failing model or test raises BuildError naming it.
    """
    from klantwaarde.build import build as dbt_build

    if isinstance(rebuild_from, str):
        rebuild_from = date.fromisoformat(rebuild_from)
    return _jsonable(dbt_build(settings, None if settings.full_refresh else rebuild_from))


# ---------------------------------------------------------------- 4 check


def check(settings: RunSettings) -> dict[str, Any]:
    """Step 4: the GX checkpoints (read-only). Raises CheckError naming failures."""
    from klantwaarde.checks import run_checks

    return _jsonable(run_checks(settings))


# ---------------------------------------------------------------- 5 value


def value(settings: RunSettings) -> dict[str, Any]:
    """Step 5: future value (BG/NBD + Gamma-Gamma, CLV, the holdout check), written to
    `mart` (`klantwaarde.future`)."""
    from klantwaarde.checks import FUTURE_VALUE_CONCERNS, run_checks
    from klantwaarde.future.step import value as run_value

    con = _connect(settings)
    try:
        summary = run_value(con, settings.as_of, settings.config.segments)
    finally:
        con.close()
    result = _jsonable(summary)
    result["checks"] = _jsonable(run_checks(settings, FUTURE_VALUE_CONCERNS))
    return result


# ---------------------------------------------------------------- 6 segment


def segment(settings: RunSettings) -> dict[str, Any]:
    """Step 5: segmentation and commercial plan, written back to `mart`, then checked by GX
    (checkpoint `hygiene_segments` + text/amount hygiene). Raises CheckError."""
    from klantwaarde.checks import SEGMENT_CONCERNS, run_checks
    from klantwaarde.segment import segment as run_segment

    con = _connect(settings)
    try:
        summary = run_segment(
            con, settings.as_of, settings.commercial_budget, settings.config.segments
        )
    finally:
        con.close()
    result = _jsonable(summary)
    # GX on what segmentation wrote (tier counts, classes, hygiene), before the gate.
    result["checks"] = _jsonable(run_checks(settings, SEGMENT_CONCERNS))
    return result


# ---------------------------------------------------------------- 6 reconcile


def reconcile(settings: RunSettings) -> dict[str, Any]:
    """Step 6: the reconciliation gate (read-only). Raises ReconciliationError."""
    from klantwaarde.reconcile import reconcile as gate

    return _jsonable(gate(settings))


# ---------------------------------------------------------------- 7 publish


def publish(settings: RunSettings) -> dict[str, Any]:
    """Step 8: atomic publish of the mart and the finance CSVs, then the report
    (`published/report/index.html`) from the published mart, and, with a PostgreSQL DSN,
    schema mart into PostgreSQL (`klantwaarde.serve.postgres`)."""
    from klantwaarde.publish import publish as do_publish
    from klantwaarde.report import build_report

    result = _jsonable(do_publish(settings))
    report = build_report(settings.published_path)
    if isinstance(result, dict):
        result["report"] = str(report)
        if settings.postgres_dsn:
            from klantwaarde.serve.postgres import publish_to_postgres

            pg = publish_to_postgres(settings.published_path, settings.postgres_dsn)
            result["postgres"] = pg.as_dict()
    return result


# ---------------------------------------------------------------- 8 document


def document(settings: RunSettings) -> dict[str, Any]:
    """Step 8: dbt docs and GX Data Docs into `settings.docs_dir`."""
    from klantwaarde.docs import build_docs

    return _jsonable(build_docs(settings))


# ---------------------------------------------------------------- the run


@dataclass(frozen=True)
class Step:
    name: str
    func: Callable[..., dict[str, Any]]
    doc: str


STEPS: tuple[Step, ...] = (
    Step("configure", configure, "the config folder: cost model and thresholds"),
    Step("wait_for_drops", wait_for_drops, "complete drops from all three systems"),
    Step("load", load, "landing zone -> raw tables"),
    Step("build", build, "dbt seed, snapshot, build (models + tests)"),
    Step("check", check, "Great Expectations checkpoints"),
    Step("value", value, "future value: CLV, potential value, model check"),
    Step("segment", segment, "segmentation and commercial plan"),
    Step("reconcile", reconcile, "reconciliation gate"),
    Step("publish", publish, "atomic publish of the mart + finance CSVs"),
    Step("document", document, "dbt docs + GX Data Docs"),
)


@dataclass
class RunResult:
    settings: RunSettings
    steps: dict[str, dict[str, Any]] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    def __str__(self) -> str:
        recon = self.steps.get("reconcile", {}).get("status", "?")
        lines = [
            f"klantwaarde run {self.settings.as_of.isoformat()}: published "
            f"{self.settings.published_path}",
            f"  report: {self.settings.published_path.parent / 'report' / 'index.html'}",
            f"  reconciliation: {recon}",
            "  steps: " + ", ".join(f"{k} {v:.1f}s" for k, v in self.seconds.items()),
        ]
        postgres = self.steps.get("publish", {}).get("postgres")
        if postgres:
            lines.append(
                f"  PostgreSQL: {len(postgres['tables'])} tables in schema mart "
                f"({postgres['seconds']:.1f}s), readable by {postgres['bi_role']}"
            )
        loaded = self.steps.get("load", {})
        if loaded.get("rows_quarantined"):
            lines.append(
                f"  quarantined: {loaded['rows_quarantined']} row(s) of this night's drops "
                "(mart.load_data_quality)"
            )
        issues = loaded.get("landing_issues") or []
        if issues:
            lines.append(
                f"  landing zone: {len(issues)} issue(s) (mart.landing_issues), first: {issues[0]}"
            )
        return "\n".join(lines)


def environment_failure(step: str, exc: BaseException) -> StepFailed:
    """One line for an error of the surroundings: the step, and what the system said."""
    if isinstance(exc, OSError) and exc.strerror:
        where = f": {exc.filename}" if exc.filename else ""
        return StepFailed(f"{step} failed: {exc.strerror}{where}")
    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return StepFailed(f"{step} failed: {first}")


def run_step(step: Step, settings: RunSettings, result: RunResult) -> dict[str, Any]:
    """Run one step for `run`. An error of the surroundings (a full disk, a read-only
    folder) becomes a one-line StepFailed; the DAG calls the step functions directly and
    keeps such errors retryable."""
    started = time.perf_counter()
    progress.say(f"{step.name}: {step.doc} …")
    try:
        if step.name == "build":
            out = step.func(settings, result.steps.get("load", {}).get("touched_from"))
        else:
            out = step.func(settings)
    except (OSError, duckdb.IOException) as exc:
        raise environment_failure(step.name, exc) from exc
    result.steps[step.name] = out
    result.seconds[step.name] = time.perf_counter() - started
    log.info("step %s done in %.1fs", step.name, result.seconds[step.name])
    progress.say(f"{step.name}: done in {result.seconds[step.name]:.1f}s")
    return out


def run(settings: RunSettings) -> RunResult:
    """The whole nightly run, in order. The first gate that fails raises and stops it."""
    result = RunResult(settings)
    for step in STEPS:
        run_step(step, settings, result)
    return result
