"""Measure: dbt as one in-process build task versus one Airflow task per node (cosmos).

    .venv/bin/python scripts/measure_cosmos.py [--workdir /tmp/kw-cosmos] [--customers 200]

1. Generates a sample (or reuses it), loads its last night into a warehouse (`loaded`).
2. In-process: `klantwaarde.build.build()` on a copy of `loaded` (what the DAG's `build`
   task runs), timed.
3. cosmos: a `DbtDag` (ExecutionMode.LOCAL, InvocationMode.DBT_RUNNER,
   LoadMode.DBT_MANIFEST with the manifest of step 2) on another copy of `loaded`,
   rendered and run with `dag.test()`, timed; its task count and states.
Prints one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

DAG_FILE = '''
"""cosmos rendering of the klantwaarde dbt project (airflow dag), for measurement only."""
import json, os
from datetime import datetime
from pathlib import Path

from cosmos import DbtDag, ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
from cosmos.constants import (
    ExecutionMode, InvocationMode, LoadMode, TestBehavior, TestIndirectSelection
)

spec = json.loads(os.environ["KW_COSMOS_SPEC"])
project = Path(spec["project"])
kw_cosmos = DbtDag(
    dag_id="kw_cosmos",
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    tags=["measurement"],
    project_config=ProjectConfig(
        dbt_project_path=project,
        manifest_path=spec["manifest"],
        dbt_vars={"as_of_date": spec["as_of"], "rebuild_from_month": None},
        env_vars={"KLANTWAARDE_WAREHOUSE": spec["warehouse"]},
    ),
    profile_config=ProfileConfig(
        profile_name="klantwaarde",
        target_name="duckdb",
        profiles_yml_filepath=project / "profiles.yml",
    ),
    execution_config=ExecutionConfig(
        execution_mode=ExecutionMode.LOCAL,
        invocation_mode=InvocationMode.DBT_RUNNER,
        test_indirect_selection=TestIndirectSelection(spec["indirect"]),
    ),
    render_config=RenderConfig(
        load_method=LoadMode.DBT_MANIFEST,
        emit_datasets=False,
        test_behavior=TestBehavior(spec["test_behavior"]),
    ),
)
'''


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/kw-cosmos"))
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument(
        "--test-behavior",
        default="after_each",
        help="cosmos TestBehavior: after_each, build, after_all",
    )
    parser.add_argument("--indirect", default="eager", help="cosmos TestIndirectSelection")
    args = parser.parse_args()
    work = args.workdir.resolve()
    dags = work / "dags"
    dags.mkdir(parents=True, exist_ok=True)
    (dags / "kw_cosmos.py").write_text(DAG_FILE)

    from klantwaarde import airflow_env

    airflow_env.configure(work / "airflow", dags_folder=dags)

    from klantwaarde import pipeline
    from klantwaarde.build import build
    from klantwaarde.demo import ensure_sample
    from klantwaarde.settings import DBT_PROJECT_DIR, RunSettings

    landing = work / "landing"
    nights = ensure_sample(landing, customers=args.customers, months=13, seed=7, nightly_days=3)
    night = nights[-1]
    loaded = RunSettings(landing=landing, warehouse=work / "loaded" / "kw.duckdb", as_of=night)
    if not loaded.warehouse.exists():
        pipeline.load(loaded)

    def copy(name: str) -> RunSettings:
        target = work / name
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        shutil.copy2(loaded.warehouse, target / "kw.duckdb")
        return RunSettings(landing=landing, warehouse=target / "kw.duckdb", as_of=night)

    figures: dict[str, object] = {
        "as_of": night.isoformat(),
        "customers": args.customers,
        "test_behavior": args.test_behavior,
        "indirect": args.indirect,
    }

    inproc = copy("inprocess")
    started = time.perf_counter()
    summary = build(inproc, None)
    figures["in_process_build_s"] = round(time.perf_counter() - started, 1)
    figures["in_process_nodes"] = summary.results
    print(json.dumps(figures), flush=True)

    cosmos_settings = copy("cosmos")
    manifest = inproc.output_dir / "dbt_target" / "manifest.json"
    os.environ["KW_COSMOS_SPEC"] = json.dumps(
        {
            "project": str(DBT_PROJECT_DIR),
            "manifest": str(manifest),
            "as_of": night.isoformat(),
            "warehouse": str(cosmos_settings.warehouse),
            "test_behavior": args.test_behavior,
            "indirect": args.indirect,
        }
    )
    airflow_env.migrate(reset=True)
    started = time.perf_counter()
    dag = airflow_env.get_dag("kw_cosmos")
    figures["cosmos_render_s"] = round(time.perf_counter() - started, 1)
    figures["cosmos_tasks"] = len(dag.tasks)
    started = time.perf_counter()
    from datetime import UTC, datetime

    dag_run = dag.test(logical_date=datetime(night.year, night.month, night.day, tzinfo=UTC))
    figures["cosmos_dag_test_s"] = round(time.perf_counter() - started, 1)
    states: dict[str, int] = {}
    failed = []
    for ti in dag_run.get_task_instances():
        states[str(ti.state)] = states.get(str(ti.state), 0) + 1
        if str(ti.state) == "failed":
            failed.append(ti.task_id)
    figures["cosmos_state"] = str(dag_run.state)
    figures["cosmos_task_states"] = states
    figures["cosmos_failed_tasks"] = failed[:10]
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
