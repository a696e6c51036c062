"""DAG integrity: every DAG file imports, has tags and retries, and no cycles."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from airflow.dag_processing.dagbag import DagBag
from doc_rules import durations

EXPECTED_ORDER = [
    "configure",
    "wait_for_drops",
    "load",
    "build",
    "check",
    "value",
    "segment",
    "reconcile",
    "publish",
    "document",
]


@pytest.fixture(scope="module")
def dagbag() -> DagBag:
    return DagBag(dag_folder=os.environ["AIRFLOW__CORE__DAGS_FOLDER"])


def test_no_import_errors(dagbag):
    assert dagbag.import_errors == {}
    assert "klantwaarde_nightly" in dagbag.dags


def test_every_dag_has_tags_retries_and_docs(dagbag):
    for dag_id, dag in dagbag.dags.items():
        assert dag.tags, f"{dag_id} has no tags"
        assert dag.doc_md, f"{dag_id} has no doc_md"
        assert not durations(dag.doc_md), f"{dag_id}'s doc_md holds measured durations"
        for task in dag.tasks:
            if task.task_id == "wait_for_drops":
                continue  # a sensor's time-out is its own retry policy
            assert task.retries >= 1, f"{dag_id}.{task.task_id} has no retries"
            assert task.retry_exponential_backoff


def test_no_cycles(dagbag):
    for dag in dagbag.dags.values():
        seen: set[str] = set()

        def visit(task_id: str, path: tuple[str, ...], dag=dag, seen=seen) -> None:
            assert task_id not in path, f"cycle through {task_id}"
            for child in dag.get_task(task_id).downstream_task_ids:
                visit(child, (*path, task_id))
            seen.add(task_id)

        for root in dag.roots:
            visit(root.task_id, ())
        assert seen == set(dag.task_ids)


def test_nightly_shape(dagbag):
    dag = dagbag.dags["klantwaarde_nightly"]
    assert dag.max_active_runs == 1
    assert set(dag.params.keys()) >= {"landing", "warehouse", "commercial_budget"}
    # a single chain in the pipeline's order: no two steps can hold the warehouse at once
    order, task = [], dag.get_task("configure")
    while task is not None:
        order.append(task.task_id)
        downstream = list(task.downstream_list)
        assert len(downstream) <= 1
        task = downstream[0] if downstream else None
    assert order == EXPECTED_ORDER
    publish = dag.get_task("publish")
    assert [o.name for o in publish.outlets] == ["klantwaarde_mart"]
    assert dag.default_args["retry_delay"] <= timedelta(minutes=5)


def test_pipeline_and_dag_run_the_same_steps():
    from klantwaarde.pipeline import STEPS

    assert [s.name for s in STEPS] == EXPECTED_ORDER


def test_catchup_follows_the_environment(monkeypatch):
    monkeypatch.setenv("KLANTWAARDE_CATCHUP", "true")
    bag = DagBag(dag_folder=os.environ["AIRFLOW__CORE__DAGS_FOLDER"])
    assert bag.dags["klantwaarde_nightly"].catchup is True


def test_sensor_timeout_names_system_and_date(tmp_path):
    from airflow.sdk.exceptions import AirflowSensorTimeout

    from klantwaarde.airflow_tasks import CompleteDropsSensor

    for system in ("erp", "servicedesk"):
        night = tmp_path / system / "2026-03-01"
        night.mkdir(parents=True)
        (night / "_manifest.json").write_text("{}")
    (tmp_path / "crm" / "2026-03-01").mkdir(parents=True)  # being written: no manifest yet
    sensor = CompleteDropsSensor(
        task_id="wait",
        landing=str(tmp_path),
        as_of="2026-03-01",
        mode="poke",
        timeout=0,
        poke_interval=0,
    )
    with pytest.raises(AirflowSensorTimeout, match=r"no complete drop for crm on 2026-03-01"):
        sensor.execute({})
