"""`klantwaarde demo`: generate a sample, run the real Airflow DAG on it, say where things are.

1. Generate a few hundred customers over 13 months into `<dir>/landing` (kept when it is
   already there: the generator is deterministic for a seed).
2. Set up an Airflow home under `<dir>/airflow` (SQLite metadata DB, migrated; example
   DAGs off; DAGs folder = the repository's `dags/`).
3. Run `klantwaarde_nightly` in-process with `dag.test()` for the last night of the
   sample (params: landing, warehouse `<dir>/warehouse/klantwaarde.duckdb`, budget).
4. Print a short summary from the *published* mart, and the paths of the published
   mart, the finance CSVs, the GX Data Docs and the dbt docs. Airflow's own log lines
   (migration and tasks) go to `<dir>/airflow/logs/demo_<night>.log`; when a task
   fails, its last lines are printed too.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from klantwaarde.contract import SYSTEMS
from klantwaarde.errors import KlantwaardeError
from klantwaarde.settings import RunSettings

DEMO_CUSTOMERS = 300
DEMO_MONTHS = 13
DEMO_SEED = 20260301
DEMO_BUDGET = Decimal("250000.00")


def complete_nights(landing: Path) -> list[date]:
    """Nights on which every system has a complete drop, in date order."""
    nights: set[date] | None = None
    for system in SYSTEMS:
        folder = Path(landing) / system
        dates = {
            date.fromisoformat(p.name)
            for p in (folder.iterdir() if folder.is_dir() else [])
            if (p / "_manifest.json").is_file()
        }
        nights = dates if nights is None else nights & dates
    return sorted(nights or [])


def ensure_sample(
    landing: Path,
    customers: int = DEMO_CUSTOMERS,
    months: int = DEMO_MONTHS,
    seed: int = DEMO_SEED,
    nightly_days: int | None = None,
) -> list[date]:
    """Generate the sample into `landing` unless it is there already; its nights."""
    nights = complete_nights(landing)
    if not nights:
        from klantwaarde.generate import generate

        generate(
            out=landing,
            customers=customers,
            months=months,
            seed=seed,
            nightly_days=nightly_days,
        )
        nights = complete_nights(landing)
    if not nights:
        raise KlantwaardeError(f"demo: the generator wrote no complete drops into {landing}")
    return nights


def dag_run_conf(settings: RunSettings) -> dict[str, Any]:
    return {
        "landing": str(settings.landing),
        "warehouse": str(settings.warehouse),
        "config": str(settings.config_dir),
        "commercial_budget": float(settings.commercial_budget),
        "full_refresh": settings.full_refresh,
    }


def run_dag(settings: RunSettings, dag: Any = None, **test_kwargs: Any) -> Any:
    """`dag.test()` of klantwaarde_nightly for the settings' night; the DagRun.

    Airflow must already be configured (`airflow_env.configure`) and migrated.
    `test_kwargs` go to `dag.test()` (e.g. `mark_success_pattern`).
    """
    from klantwaarde import airflow_env

    dag = dag or airflow_env.get_dag()
    night = datetime(settings.as_of.year, settings.as_of.month, settings.as_of.day, tzinfo=UTC)
    return dag.test(logical_date=night, run_conf=dag_run_conf(settings), **test_kwargs)


@contextmanager
def output_to(path: Path) -> Iterator[None]:
    """Send everything written to stdout and stderr, by Python or by libraries holding the
    streams (Airflow's task logging under `dag.test()` prints hundreds of INFO lines), to
    `path` instead of the terminal, at the file-descriptor level."""
    path.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved = {fd: os.dup(fd) for fd in (1, 2)}
    with open(path, "ab") as log:
        try:
            for fd in saved:
                os.dup2(log.fileno(), fd)
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            for fd, copy in saved.items():
                os.dup2(copy, fd)
                os.close(copy)


def task_states(dag_run: Any) -> dict[str, str]:
    return {ti.task_id: str(ti.state) for ti in dag_run.get_task_instances()}


@dataclass(frozen=True)
class MartSummary:
    as_of: date
    customers: int
    active_customers: int
    revenue_12m: Decimal
    top_tier_share: float | None
    whale_peak: str
    reconciliation: str

    def lines(self) -> list[str]:
        share = "n/a" if self.top_tier_share is None else f"{self.top_tier_share:.1%}"
        return [
            f"as of {self.as_of.isoformat()}: {self.customers} conformed customers "
            f"(CRM-only prospects included), {self.active_customers} active "
            f"(bought in the last 12 months)",
            f"revenue (12 months): {self.revenue_12m:,.2f} EUR",
            f"top tier (Curry 'top') share of revenue: {share}",
            f"whale curve: {self.whale_peak}",
            f"reconciliation: {self.reconciliation}",
        ]


def summarize(published: Path, as_of: date) -> MartSummary:
    """Read the figures of the summary from the published mart (read-only)."""
    con = duckdb.connect(str(published), read_only=True)
    try:
        night = as_of.isoformat()
        customers = con.execute(
            "select count(*) from mart.dim_customer where customer_type <> 'unassigned'"
        ).fetchone()[0]
        active, revenue, top = con.execute(
            f"""
            select count(*) filter (where curry_tier not in ('inactive', 'prospect')),
                   coalesce(sum(revenue_12m), 0),
                   coalesce(sum(revenue_12m) filter (where curry_tier = 'top'), 0)
              from mart.customer_segments where as_of_date = date '{night}'
            """
        ).fetchone()
        peak = con.execute(
            f"""
            select summary_sentence, peak_customer_share, peak_contribution_share
              from mart.whale_curve_summary where as_of_date = date '{night}'
            """
        ).fetchone()
        rows, off = con.execute(
            "select count(*), count(*) filter (where difference <> 0) "
            "from mart.reconciliation_ledger"
        ).fetchone()
    finally:
        con.close()
    if peak is None:
        whale = "no whale curve for this date"
    elif peak[1] is not None and peak[2] is not None:
        whale = (
            f"peak at {peak[2]:.0%} of total contribution, reached by the top "
            f"{peak[1]:.0%} of customers" + (f" — {peak[0]}" if peak[0] else "")
        )
    else:
        whale = peak[0] or "peak undefined (total contribution not positive)"
    reconciliation = (
        f"balanced: {rows} pool-months, every difference 0.00"
        if off == 0
        else f"OUT OF BALANCE on {off} of {rows} pool-months"
    )
    return MartSummary(
        as_of=as_of,
        customers=int(customers),
        active_customers=int(active),
        revenue_12m=Decimal(str(revenue)).quantize(Decimal("0.01")),
        top_tier_share=float(top) / float(revenue) if revenue else None,
        whale_peak=whale,
        reconciliation=reconciliation,
    )


def demo(directory: Path, customers: int = DEMO_CUSTOMERS, months: int = DEMO_MONTHS) -> str:
    directory = Path(directory).resolve()
    started = time.perf_counter()
    # Airflow reads its configuration at import: set the home before anything imports it.
    from klantwaarde import airflow_env

    airflow_env.configure(directory / "airflow")

    landing = directory / "landing"
    print(f"generating {customers} customers over {months} months into {landing} …")
    nights = ensure_sample(landing, customers, months)
    settings = RunSettings(
        landing=landing,
        warehouse=directory / "warehouse" / "klantwaarde.duckdb",
        as_of=nights[-1],
        commercial_budget=DEMO_BUDGET,
    )
    log_file = directory / "airflow" / "logs" / f"demo_{settings.as_of.isoformat()}.log"
    print(f"migrating the Airflow metadata DB in {directory / 'airflow'} …")
    print(f"  Airflow's log (migration, then the tasks): {log_file}")
    with output_to(log_file):
        airflow_env.migrate()
    print(f"running DAG klantwaarde_nightly for the night of {settings.as_of} (dag.test) …")
    dag_started = time.perf_counter()
    with output_to(log_file):
        dag_run = run_dag(settings)
    dag_seconds = time.perf_counter() - dag_started
    states = task_states(dag_run)
    if str(dag_run.state) != "success":
        failed = [t for t, s in states.items() if s != "success"]
        tail = log_file.read_text(encoding="utf-8", errors="replace").splitlines()[-40:]
        print("\n".join(["… last lines of the task log:", *tail]), file=sys.stderr)
        raise KlantwaardeError(
            f"demo: DAG run {dag_run.run_id} ended {dag_run.state}; not successful: "
            f"{', '.join(failed)} (the whole task log: {log_file})"
        )
    summary = summarize(settings.published_path, settings.as_of)
    lines = [
        "",
        f"klantwaarde demo — DAG run {dag_run.run_id}: success "
        f"({len(states)} tasks, dag.test {dag_seconds:.0f}s, "
        f"total {time.perf_counter() - started:.0f}s)",
        *("  " + line for line in summary.lines()),
        f"  published mart (BI, read-only): {settings.published_path}",
        f"  finance reconciliation CSVs:    {settings.reconciliation_dir}",
        f"  GX Data Docs:                   {settings.docs_dir / 'gx' / 'index.html'}",
        f"  dbt docs:                       {settings.docs_dir / 'dbt' / 'static_index.html'}",
        f"  working warehouse (pipeline):   {settings.warehouse}",
        f"  the report (open in a browser): {settings.published_dir / 'report' / 'index.html'}",
    ]
    text = "\n".join(lines)
    print(text)
    return text
