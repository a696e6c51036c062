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
