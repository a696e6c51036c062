"""The real DAG, end to end with `dag.test()`, over three consecutive nights of drops.

One warehouse goes through the whole story, in this order (the tests share it):
1. night N-2, 2. night N-1 while a BI reader (another process) holds the published
file open, 3. night N, 4. night N again (identical mart), 5. a planted GX failure
stops the run before publish (published file byte-identical), 6. a planted one-cent
imbalance stops the run at the reconciliation gate naming pool and month.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import textwrap
import time
from datetime import date
from pathlib import Path

import duckdb
import pytest

from klantwaarde import pipeline
from klantwaarde.demo import complete_nights, run_dag, summarize, task_states
from klantwaarde.errors import CheckError, ReconciliationError
from klantwaarde.generate.truth import truth_dir
from klantwaarde.settings import RunSettings

pytestmark = pytest.mark.slow

ORDER = [s.name for s in pipeline.STEPS]


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def mart_contents(path: Path) -> dict[str, str]:
    """A digest of every mart table's rows (order-independent), per table."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = [
            r[0]
            for r in con.execute(
                "select table_name from duckdb_tables() where schema_name = 'mart' order by 1"
            ).fetchall()
        ]
        return {
            t: hashlib.sha256(
                repr(con.execute(f'select * from mart."{t}" order by all').fetchall()).encode()
            ).hexdigest()
            for t in tables
        }
    finally:
        con.close()


def differing_columns(a: Path, b: Path, table: str) -> list[str]:
    con = duckdb.connect()
    try:
        con.execute(f"attach '{a}' as a (read_only)")
        con.execute(f"attach '{b}' as b (read_only)")
        columns = [
            r[0]
            for r in con.execute(
                "select column_name from duckdb_columns() where database_name = 'a' "
                "and table_name = ?",
                [table],
            ).fetchall()
        ]
        return [
            c
            for c in columns
            if con.execute(
                f'select count(*) from (select "{c}" from a.mart."{table}" '
                f'except all select "{c}" from b.mart."{table}")'
            ).fetchone()[0]
        ]
    finally:
        con.close()


class Story:
    def __init__(self, landing: Path, root: Path):
        self.landing = landing
        self.warehouse = root / "warehouse" / "klantwaarde.duckdb"
        nights = complete_nights(landing)
        self.nights = nights[-3:]
        self.runs: dict[str, dict] = {}

    def settings(self, night: date) -> RunSettings:
        # the DAG param `config`: the generated company's own cost model
        return RunSettings(
            landing=self.landing,
            warehouse=self.warehouse,
            as_of=night,
            config_dir=truth_dir(self.landing) / "config",
        )

    def run(self, night: date, label: str, **kwargs) -> dict:
        started = time.perf_counter()
        dag_run = run_dag(self.settings(night), **kwargs)
        outcome = {
            "state": str(dag_run.state),
            "tasks": task_states(dag_run),
            "seconds": time.perf_counter() - started,
        }
        self.runs[label] = outcome
        print(f"dag.test {label} {night}: {outcome['state']} in {outcome['seconds']:.1f}s")
        return outcome


@pytest.fixture(scope="module")
def story(airflow_home, sample_landing, tmp_path_factory) -> Story:
    return Story(sample_landing, tmp_path_factory.mktemp("nightly"))


READER = textwrap.dedent(
    """
    import sys, duckdb
    con = duckdb.connect(sys.argv[1], read_only=True)
    q = "select max(as_of_date) from mart.customer_segments"
    print("before", con.execute(q).fetchone()[0], flush=True)
    sys.stdin.readline()          # the test says: the run is over
    print("during", con.execute(q).fetchone()[0], flush=True)
    con.close()
    """
)


def test_first_night(story):
    outcome = story.run(story.nights[0], "night1")
    assert outcome["state"] == "success", outcome
    assert set(outcome["tasks"]) == set(ORDER)
    settings = story.settings(story.nights[0])
    assert settings.published_path.exists()
    assert (settings.docs_dir / "gx" / "index.html").exists()
    assert (settings.docs_dir / "dbt" / "static_index.html").exists()
    # the mart records the config folder the DAG param named, and its fingerprint
    with duckdb.connect(str(settings.published_path), read_only=True) as con:
        recorded = con.execute("select config_dir, config_fingerprint from mart.run_config")
        assert recorded.fetchall() == [(str(settings.config_dir), settings.config.fingerprint)]
    csvs = sorted(settings.reconciliation_dir.glob("*.csv"))
    assert len(csvs) >= 12
    assert csvs[0].read_text().startswith("period_month,cost_pool,ledger_amount")


def test_second_night_with_a_reader_holding_the_published_file(story):
    published = story.settings(story.nights[1]).published_path
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(published)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first = reader.stdout.readline()
        if not first:  # the reader stopped: say why
            reader.wait(timeout=60)
            pytest.fail(f"the reader stopped: {reader.stderr.read()}")
        assert first.split() == ["before", story.nights[0].isoformat()]
        outcome = story.run(story.nights[1], "night2")
        out, err = reader.communicate("go\n", timeout=60)
    finally:
        if reader.poll() is None:
            reader.kill()
    assert outcome["state"] == "success", outcome
    # the reader kept reading the old mart, without any error
    assert reader.returncode == 0, err
    assert out.split() == ["during", story.nights[0].isoformat()]
    # a new connection sees the new mart
    con = duckdb.connect(str(published), read_only=True)
    try:
        newest = con.execute("select max(as_of_date) from mart.customer_segments").fetchone()[0]
    finally:
        con.close()
    assert newest == story.nights[1]


def test_third_night_and_the_same_night_again(story):
    night = story.nights[2]
    assert story.run(night, "night3")["state"] == "success"
    published = story.settings(night).published_path
    summary = summarize(published, night)  # what `klantwaarde demo` prints
    assert summary.reconciliation.startswith("balanced")
    assert summary.customers > 0 and summary.revenue_12m > 0
    assert 0 < summary.top_tier_share < 1
    first = mart_contents(published)
    kept = published.parent.parent / "first_run_of_the_night.duckdb"
    shutil.copy2(published, kept)
    assert story.run(night, "night3_again")["state"] == "success"
    second = mart_contents(published)
    assert first.keys() == second.keys()
    differing = {t: differing_columns(kept, published, t) for t in first if first[t] != second[t]}
    assert differing == {}


def test_planted_gx_failure_stops_before_publish(story, capfd, monkeypatch):
    """ERP and CRM disagree on who is active beyond the bound the company set: the GX
    gate at the check task stops the night before anything is published."""
    night = story.nights[2]
    settings = story.settings(night)
    before = _sha(settings.published_path)
    monkeypatch.setenv("KLANTWAARDE_ACTIVE_DISAGREEMENT_MAX", "0.01")
    # wait/load/build already ran for this night (Airflow's own mark-success pattern),
    # check onwards run for real
    outcome = story.run(night, "gx_failure", mark_success_pattern="wait_for_drops|load|build")
    assert outcome["state"] == "failed"
    assert outcome["tasks"]["check"] == "failed"
    assert outcome["tasks"]["publish"] != "success"
    assert _sha(settings.published_path) == before
    # the failed task's log names the suite and the expectation
    logged = "".join(capfd.readouterr())
    assert "AirflowFailException: GX checkpoint failed: definitions: " in logged
    with pytest.raises(
        CheckError, match=r"definitions: expect_column_mean_to_be_between\(disagrees\) failed"
    ) as info:
        pipeline.check(settings)
    assert "\n" not in str(info.value)


def test_planted_one_cent_imbalance_stops_at_the_gate(story, capfd):
    night = story.nights[2]
    settings = story.settings(night)
    before = _sha(settings.published_path)
    con = duckdb.connect(str(settings.warehouse))
    try:
        pool, month = con.execute(
            "select cost_pool, strftime(period_month, '%Y-%m') from mart.reconciliation_ledger "
            "where allocated_amount > 0 order by period_month desc, cost_pool limit 1"
        ).fetchone()
        con.execute(
            "update mart.reconciliation_ledger set allocated_amount = allocated_amount + 0.01 "
            "where cost_pool = ? and strftime(period_month, '%Y-%m') = ?",
            [pool, month],
        )
    finally:
        con.close()
    outcome = story.run(
        night, "cent", mark_success_pattern="wait_for_drops|load|build|check|value|segment"
    )
    assert outcome["state"] == "failed"
    assert outcome["tasks"]["reconcile"] == "failed"
    assert outcome["tasks"]["publish"] != "success"
    assert _sha(settings.published_path) == before
    logged = "".join(capfd.readouterr())
    assert f"AirflowFailException: reconciliation gate: pool {pool} month {month}" in logged
    with pytest.raises(ReconciliationError, match=rf"pool {pool} month {month} .*0\.01"):
        pipeline.reconcile(settings)
