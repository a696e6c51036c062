# ruff: noqa: E501  (doc_md holds a Markdown table)
"""
# klantwaarde_nightly

The nightly customer-value run: one DAG run per **as-of date**, the night whose drops it
loads. The run's logical date is that night (`CronDataIntervalTimetable`: the run that
starts at 03:00 UTC on day D+1 has logical date D), so a backfill or a `dag.test()` for
a date processes exactly that night.

| # | task | what | package function |
|---|---|---|---|
| 0 | `configure` | read and validate the config folder (cost model, thresholds); a bad file fails here, before anything is loaded | `pipeline.configure` |
| 1 | `wait_for_drops` | a complete drop (with `_manifest.json`) of erp, crm and servicedesk for the date; on time-out the message names the missing systems and the date | `pipeline.missing_systems` |
| 2 | `load` | every complete drop up to the date not loaded yet → raw tables | `pipeline.load` |
| 3 | `build` | dbt seed, snapshot, build (models **and tests**), in-process | `pipeline.build` |
| 4 | `check` | Great Expectations gate: ERP and CRM agree on who is active | `pipeline.check` |
| 5 | `value` | future value: BG/NBD + Gamma-Gamma, CLV, potential value, the holdout check | `pipeline.value` |
| 6 | `segment` | Pareto / Curry / Whitney segments, whale curve, commercial plan | `pipeline.segment` |
| 7 | `reconcile` | gate: `reconciliation_ledger.difference` = 0.00 on every row | `pipeline.reconcile` |
| 8 | `publish` | atomic swap of the published mart (Asset `klantwaarde_mart`) + finance CSVs | `pipeline.publish` |
| 9 | `document` | dbt docs + GX Data Docs | `pipeline.document` |

`klantwaarde run` calls the same functions in the same order (`klantwaarde.pipeline`).
Publish runs only when every gate before it passed; otherwise the previous published
file stays byte-identical and the failing task's log holds the one-line reason.
A gate failure fails its task at once (no retries: it is deterministic); other errors
are retried with exponential back-off.

**One writer.** DuckDB lets one process hold the working warehouse read-write. The tasks
are a single chain and `max_active_runs=1`, so no two tasks ever open it together.
Every step closes its connections before it returns. On a deployment, the tasks that
touch the warehouse also go to the pool `$KLANTWAARDE_WAREHOUSE_POOL` (1 slot; the
docker-compose setup creates it) so that a second DAG writing it would queue too.
BI tools never open the working file: they read `published/klantwaarde_mart.duckdb`.

**One `build` task, not one task per dbt node.** The build runs dbt in-process
(`dbtRunner`) as one task: dbt keeps its own graph and test selection, and a failing
model or test is still named in the run: the task fails with `dbt build failed: model
<name> (error: …); test <name> (fail: n failing rows)`, naming every failing node.
Seeds and the `as_of_date` / `rebuild_from_month` window stay in one place
(`klantwaarde.build`). Why not astronomer-cosmos: docs/decisions/airflow-one-build-task.md.

Params: `landing`, `warehouse` (working DuckDB file; published mart, CSVs and docs go
next to it), `config` (the company's config folder; default: the shipped example or
`KLANTWAARDE_CONFIG_DIR`), `commercial_budget` (EUR), `full_refresh` (also: restate an earlier night;
without it a clear or backfill of a date before the last night built fails at `load`),
`release_quarantined_gl` (publish although GL postings are in quarantine).
Environment: `KLANTWAARDE_CATCHUP` (default false), `KLANTWAARDE_START_DATE`,
`KLANTWAARDE_SCHEDULE` (cron, default `0 3 * * *` UTC), `KLANTWAARDE_LANDING`,
`KLANTWAARDE_WAREHOUSE_PATH`, `KLANTWAARDE_WAREHOUSE_POOL`, `KLANTWAARDE_DROPS_TIMEOUT`
(seconds, default 6 h), `KLANTWAARDE_DROPS_POKE` (seconds, default 300).
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pendulum
from airflow.sdk import Asset, CronDataIntervalTimetable, Param, chain, dag, task

from klantwaarde.airflow_tasks import (
    DEFAULT_CONFIG,
    DEFAULT_LANDING,
    DEFAULT_WAREHOUSE,
    CompleteDropsSensor,
    run_step,
)

CATCHUP = os.environ.get("KLANTWAARDE_CATCHUP", "false").strip().lower() in {"1", "true", "yes"}
START_DATE = pendulum.parse(os.environ.get("KLANTWAARDE_START_DATE", "2026-01-01"), tz="UTC")
SCHEDULE = os.environ.get("KLANTWAARDE_SCHEDULE", "0 3 * * *")
POOL = os.environ.get("KLANTWAARDE_WAREHOUSE_POOL", "default_pool")
DROPS_TIMEOUT = float(os.environ.get("KLANTWAARDE_DROPS_TIMEOUT", str(6 * 3600)))
DROPS_POKE = float(os.environ.get("KLANTWAARDE_DROPS_POKE", "300"))

PUBLISHED = Path(DEFAULT_WAREHOUSE).parent / "published" / "klantwaarde_mart.duckdb"
MART = Asset(name="klantwaarde_mart", uri=f"file://{PUBLISHED}")


@dag(
    dag_id="klantwaarde_nightly",
    schedule=CronDataIntervalTimetable(SCHEDULE, timezone="UTC"),
    start_date=START_DATE,
    catchup=CATCHUP,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["klantwaarde", "nightly", "dbt", "great-expectations"],
    default_args={
        "owner": "klantwaarde",
        "retries": 2,
        "retry_delay": timedelta(minutes=1),
        "retry_exponential_backoff": True,
        "max_retry_delay": timedelta(minutes=20),
    },
    params={
        "landing": Param(DEFAULT_LANDING, type="string", description="landing zone folder"),
        "warehouse": Param(
            DEFAULT_WAREHOUSE,
            type="string",
            description="working DuckDB file; published mart, CSVs and docs go next to it",
        ),
        "config": Param(
            DEFAULT_CONFIG,
            type="string",
            description="config folder: cost model and thresholds (contracts §5)",
        ),
        "commercial_budget": Param(
            1000000.0, type="number", minimum=0, description="commercial budget (EUR)"
        ),
        "full_refresh": Param(
            False,
            type="boolean",
            description="rebuild every month; for a date before the last night: restate it",
        ),
        "release_quarantined_gl": Param(
            False,
            type="boolean",
            description="publish although GL postings are in quarantine (shown, not hidden)",
        ),
    },
)
def klantwaarde_nightly():
    @task
    def configure() -> dict:
        return run_step("configure")

    wait_for_drops = CompleteDropsSensor(
        task_id="wait_for_drops",
        landing="{{ params.landing }}",
        mode="reschedule",
        poke_interval=DROPS_POKE,
        timeout=DROPS_TIMEOUT,
        retries=0,
    )

    @task(pool=POOL)
    def load() -> dict:
        return run_step("load")

    @task(pool=POOL)
    def build(loaded: dict) -> dict:
        return run_step("build", rebuild_from=loaded.get("touched_from"))

    @task(pool=POOL)
    def check() -> dict:
        return run_step("check")

    @task(pool=POOL)
    def value() -> dict:
        return run_step("value")

    @task(pool=POOL)
    def segment() -> dict:
        return run_step("segment")

    @task(pool=POOL)
    def reconcile() -> dict:
        return run_step("reconcile")

    @task(pool=POOL, outlets=[MART])
    def publish() -> dict:
        return run_step("publish")

    @task(pool=POOL)
    def document() -> dict:
        return run_step("document")

    loaded = load()
    chain(
        configure(),
        wait_for_drops,
        loaded,
        build(loaded),
        check(),
        value(),
        segment(),
        reconcile(),
        publish(),
        document(),
    )


klantwaarde_nightly()
