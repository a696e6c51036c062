"""Run one dbt command in-process (`dbt.cli.main.dbtRunner`) and name every node that
failed: the one place the package calls dbt.

Each invocation keeps its `run_results.json` under `dbt_target/invocations/` (the node
timings `make bench` prints) and closes the DuckDB database dbt-duckdb holds open, so that
the next step can open the warehouse.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from klantwaarde.errors import BuildError
from klantwaarde.settings import DBT_PROJECT_DIR, RunSettings

log = logging.getLogger(__name__)


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


def enum_text(value: Any) -> str:
    """A dbt enum (node status, resource type) as its value's text."""
    return str(getattr(value, "value", value))


def failing_nodes(result: Any) -> list[str]:
    """'model fct_x (error: ...)' for every node that did not pass."""
    failures: list[str] = []
    run_results = getattr(result.result, "results", None) or []
    for node_result in run_results:
        status = enum_text(node_result.status)
        if status in ("success", "pass", "skipped", "no-op", "warn"):
            continue
        node = node_result.node
        kind = enum_text(getattr(node, "resource_type", "node"))
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


def status_counts(result: Any) -> dict[str, int]:
    counts: dict[str, int] = {}
    for node_result in getattr(result.result, "results", None) or []:
        status = enum_text(node_result.status)
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
    failures = failing_nodes(result)
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


def project_dir() -> Path:
    """The dbt project: `dbt_project/` of the repository, or KLANTWAARDE_DBT_PROJECT_DIR
    (tests build from a frozen copy so that edits in the checkout do not leak in)."""
    return Path(os.environ.get("KLANTWAARDE_DBT_PROJECT_DIR") or DBT_PROJECT_DIR)
