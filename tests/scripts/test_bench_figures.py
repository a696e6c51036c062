"""The bench's figures (scripts/bench.py): what goes into bench/results/<set>.json.

No timing is asserted here: the bench prints figures to read, these tests check that
the totals are the sums of the stages and that nothing is made up for a stage too short
to measure.
"""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

BENCH = Path(__file__).resolve().parents[2] / "scripts" / "bench.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_script", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while executing
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.modules.pop(spec.name, None)


def test_run_totals_are_the_sums_of_the_stages(bench):
    stages = [
        bench.StageFigure("load", 4.0, 900.0, rows=8_000, cpu_seconds=6.0),
        bench.StageFigure("build", 10.0, 1500.0, cpu_seconds=16.0),
        bench.StageFigure("reconcile", 0.03, 400.0, cpu_seconds=0.02),
    ]
    figures = bench._run_figures("full", stages)
    assert figures["full_total_seconds"] == pytest.approx(14.03)
    assert figures["full_cpu_seconds"] == pytest.approx(22.02)
    assert figures["full_peak_rss_mib"] == 1500.0
    load, build, reconcile = figures["full"]
    assert load["rows_per_s"] == 2_000 and load["cores_busy"] == 1.5
    assert build["cores_busy"] == 1.6 and build["rows_per_s"] is None
    # 30 ms of wall clock against a CPU clock of 10 ms ticks: no ratio is made up
    assert reconcile["cores_busy"] is None


def test_cpu_seconds_count_the_work_of_this_process(bench):
    # os.times() ticks in 10 ms: 0.3 s of work reads as at least 0.28 s (two ticks lost
    # at the edges at most), where a clock that missed the work would read about 0
    before = bench.cpu_seconds()
    deadline = time.process_time() + 0.3
    while time.process_time() < deadline:
        pass
    assert bench.cpu_seconds() - before >= 0.28


def test_a_scale_set_is_generated_once_in_a_child_process(bench, tmp_path, monkeypatch):
    import klantwaarde.generate

    def in_this_process(**_: object) -> str:
        raise AssertionError("the bench generated in its own process")

    # the memory a generation leaves behind must not count in the pipeline's peak
    monkeypatch.setattr(klantwaarde.generate, "generate", in_this_process)
    monkeypatch.setattr(bench, "BENCH_DIR", tmp_path)
    params = {"customers": 40, "months": 2, "seed": 5}

    landing, seconds = bench.ensure_landing("T", params)

    assert seconds is not None and seconds > 0
    assert len(bench.drop_dates(landing)) >= 2
    # cached: the same parameters and generator source do not generate again
    assert bench.ensure_landing("T", params) == (landing, None)


def test_dbt_node_time_is_summed_per_folder_of_the_project(bench, tmp_path):
    target = tmp_path / "dbt_target"
    (target / "invocations").mkdir(parents=True)
    manifest = {
        "nodes": {
            "model.kw.stg_a": {"original_file_path": "models/staging/erp/stg_a.sql"},
            "model.kw.int_b": {"original_file_path": "models/intermediate/customers/int_b.sql"},
            # a generic test is defined in the YAML beside its model: it counts with it
            "test.kw.unique_int_b_id.1a2b": {
                "original_file_path": "models/intermediate/customers/_customers__models.yml"
            },
            "test.kw.assert_c": {"original_file_path": "tests/customers/assert_c.sql"},
            "snapshot.kw.snap_a": {"original_file_path": "snapshots/_snapshots.yml"},
        },
        "unit_tests": {},
    }
    (target / "manifest.json").write_text(bench.json.dumps(manifest))
    results = [
        ("model.kw.stg_a", 1.25),
        ("model.kw.int_b", 2.0),
        ("test.kw.unique_int_b_id.1a2b", 0.5),
        ("test.kw.assert_c", 0.75),
        ("snapshot.kw.snap_a", 0.25),
        ("model.kw.gone", 0.1),  # not in the parse the bench reads: still counted
    ]
    for invocation, part in (("seed", results[:1]), ("build", results[1:])):
        (target / "invocations" / f"{invocation}.json").write_text(
            bench.json.dumps({"results": [{"unique_id": u, "execution_time": s} for u, s in part]})
        )

    folders = bench.node_seconds_by_folder(SimpleNamespace(output_dir=tmp_path))

    assert [(f["folder"], f["nodes"], f["seconds"]) for f in folders] == [
        ("intermediate/customers", 2, 2.5),
        ("staging/erp", 1, 1.25),
        ("tests/customers", 1, 0.75),
        ("snapshots", 1, 0.25),
        ("(unknown)", 1, 0.1),
    ]
    assert sum(f["seconds"] for f in folders) == pytest.approx(
        bench.slowest_nodes(SimpleNamespace(output_dir=tmp_path))[0]["seconds"]
    )
