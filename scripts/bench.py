"""Benchmark the nightly pipeline at scale S and M (`make bench`).

For each scale set it generates the landing zone once (cached under
`bench/data/<set>/`, keyed by the generator's parameters and source), then runs:

1. a full build: every drop but the last night, from the landing zone to the published
   mart, through the same step functions as `klantwaarde run`;
2. one more night as an incremental run: the last night of the month;
3. the first night of the next month, with re-links: a drop of the masters only, in
   which 1 % of the matched CRM accounts and service-desk organisations take another ERP
   customer's identity (`klantwaarde.generate.relinks`), written beside hard links to the
   cached drops.

It prints, per stage and in total, wall-clock seconds, CPU seconds (every thread of the
process) and the cores they kept busy, peak resident memory (the process and its
children, sampled every 20 ms) and, for the load, rows per second; dbt's slowest nodes
and its node time per folder of the project (staging/erp, intermediate/customers, ...);
then a floor: one hand-written DuckDB query over the same files computing the same
monthly aggregates. The figures also go to `bench/results/<set>.json`.

These are figures to read, not assertions: nothing here fails on a slow run.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import psutil

REPO = Path(__file__).resolve().parents[1]
BENCH_DIR = REPO / "bench"

SETS: dict[str, dict[str, int]] = {
    "S": {"customers": 2_000, "months": 12, "seed": 11},
    "M": {"customers": 100_000, "months": 24, "seed": 12},
}


class PeakRSS:
    """Samples the resident memory of this process and its children in a thread."""

    def __init__(self, interval_s: float = 0.02) -> None:
        self.interval_s = interval_s
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._proc = psutil.Process()

    def _sample(self) -> int:
        total = self._proc.memory_info().rss
        for child in self._proc.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                total += child.memory_info().rss
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._sample())
            self._stop.wait(self.interval_s)

    def __enter__(self) -> PeakRSS:
        self.peak = self._sample()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._sample())


def cpu_seconds() -> float:
    """CPU time (user + system) of this process and its finished children so far."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


@dataclass
class StageFigure:
    stage: str
    seconds: float
    peak_rss_mib: float
    rows: int | None = None
    # every thread of the process: DuckDB's, dbt's, and PeakRSS's sampler (about 0.07 of
    # a core, measured with nothing else running)
    cpu_seconds: float | None = None

    @property
    def rows_per_s(self) -> float | None:
        return self.rows / self.seconds if self.rows and self.seconds else None

    @property
    def cores_busy(self) -> float | None:
        """CPU seconds per wall-clock second: 2.0 keeps two cores busy. None for a stage
        under half a second (the CPU clock ticks in 10 ms)."""
        if self.cpu_seconds is None or self.seconds < 0.5:
            return None
        return self.cpu_seconds / self.seconds


def _generator_fingerprint() -> str:
    digest = hashlib.sha256()
    for path in sorted((REPO / "src" / "klantwaarde" / "generate").rglob("*.py")):
        digest.update(path.read_bytes())
    for path in sorted((REPO / "src" / "klantwaarde").glob("contract.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def ensure_landing(name: str, params: dict[str, int]) -> tuple[Path, float | None]:
    """The cached landing zone of a set; generates it when missing or stale.

    The generator runs as `klantwaarde generate` in a child process: in this one, the
    memory it leaves behind (about 0.8 GiB at M) would count in every stage's peak."""
    set_dir = BENCH_DIR / "data" / name
    landing = set_dir / "landing"
    stamp = set_dir / "stamp.json"
    wanted = {**params, "generator": _generator_fingerprint()}
    if stamp.exists() and json.loads(stamp.read_text()) == wanted and landing.exists():
        return landing, None
    shutil.rmtree(set_dir, ignore_errors=True)
    set_dir.mkdir(parents=True)
    started = time.perf_counter()
    command = [sys.executable, "-m", "klantwaarde.cli", "generate", "--out", str(landing)]
    for option in ("customers", "months", "seed"):
        command += [f"--{option}", str(params[option])]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - started
    stamp.write_text(json.dumps(wanted))
    return landing, seconds


def drop_dates(landing: Path) -> list[date]:
    """The extract dates that have a complete drop in every system."""
    per_system = []
    for system in ("erp", "crm", "servicedesk"):
        dates = {
            date.fromisoformat(p.parent.name) for p in (landing / system).glob("*/_manifest.json")
        }
        per_system.append(dates)
    return sorted(set.intersection(*per_system))


def _loaded_rows(warehouse: Path, since: float) -> int:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        row = con.execute(
            "select coalesce(sum(rows_in), 0) from meta.load_log "
            "where loaded_at >= to_timestamp(?)::timestamp",
            [since],
        ).fetchone()
    finally:
        con.close()
    return int(row[0]) if row else 0


def run_pipeline(settings: Any) -> list[StageFigure]:
    """One run of every pipeline step, timed and measured one by one."""
    from klantwaarde import pipeline

    result = pipeline.RunResult(settings)
    figures: list[StageFigure] = []
    for step in pipeline.STEPS:
        wall_start = time.time()
        cpu_start = cpu_seconds()
        with PeakRSS() as rss:
            pipeline.run_step(step, settings, result)
        cpu = cpu_seconds() - cpu_start
        rows = _loaded_rows(settings.warehouse, wall_start) if step.name == "load" else None
        figures.append(
            StageFigure(step.name, result.seconds[step.name], rss.peak / 2**20, rows, cpu)
        )
    return figures


def _node_results(settings: Any) -> list[tuple[str, str, float]]:
    """(invocation, unique_id, seconds) of every dbt node of the last run, from each
    invocation's kept results."""
    results = []
    for kept in sorted((settings.output_dir / "dbt_target" / "invocations").glob("*.json")):
        for node in json.loads(kept.read_text(encoding="utf-8"))["results"]:
            results.append((kept.stem, node["unique_id"], node["execution_time"]))
    return results


def slowest_nodes(settings: Any, n: int = 12) -> list[dict[str, Any]]:
    """The dbt nodes that took longest in the last run, from each invocation's results."""
    nodes = [
        {
            "invocation": invocation,
            "node": unique_id.split(".", 1)[0] + "." + unique_id.split(".")[2],
            "seconds": round(seconds, 2),
        }
        for invocation, unique_id, seconds in _node_results(settings)
    ]
    total = sum(node["seconds"] for node in nodes)
    nodes.sort(key=lambda node: -node["seconds"])
    summary = {"invocation": "(all)", "node": f"{len(nodes)} nodes", "seconds": round(total, 2)}
    return [summary, *nodes[:n]]


def node_seconds_by_folder(settings: Any) -> list[dict[str, Any]]:
    """dbt's node time of the last run per folder of the project, most first: the folder
    of the file that defines the node (a generic test: the YAML beside its model, so it
    counts with it; `models/` left out of the name)."""
    manifest = json.loads(
        (settings.output_dir / "dbt_target" / "manifest.json").read_text(encoding="utf-8")
    )
    defined = {
        unique_id: node.get("original_file_path", "")
        for kind in ("nodes", "unit_tests", "exposures")
        for unique_id, node in manifest.get(kind, {}).items()
    }
    folders: dict[str, dict[str, Any]] = {}
    for _, unique_id, seconds in _node_results(settings):
        path = defined.get(unique_id) or "(unknown)/"
        folder = path.rsplit("/", 1)[0].removeprefix("models/")
        entry = folders.setdefault(folder, {"folder": folder, "nodes": 0, "seconds": 0.0})
        entry["nodes"] += 1
        entry["seconds"] += seconds
    for entry in folders.values():
        entry["seconds"] = round(entry["seconds"], 2)
    return sorted(folders.values(), key=lambda entry: -entry["seconds"])


def floor_query(landing: Path, threads: int, memory: str) -> dict[str, float]:
    """One hand-written DuckDB query per aggregate over the same files: the floor."""
    con = duckdb.connect(config={"threads": threads, "memory_limit": memory})
    started = time.perf_counter()
    revenue = con.execute(
        f"""
        select customer_no, date_trunc('month', invoice_date) as period_month,
               sum(net_amount) as revenue, sum(cost_amount) as cogs,
               count(distinct order_no) as orders, count(*) as invoice_lines
        from read_csv('{landing}/erp/*/invoice_lines.csv', header = true,
            columns = {{'invoice_no': 'VARCHAR', 'line_no': 'INTEGER',
              'invoice_date': 'DATE', 'due_date': 'DATE', 'customer_no': 'VARCHAR',
              'order_no': 'VARCHAR', 'delivery_no': 'VARCHAR', 'product_code': 'VARCHAR',
              'quantity': 'DECIMAL(18,3)', 'unit_price': 'DECIMAL(18,4)',
              'discount_amount': 'DECIMAL(18,2)', 'net_amount': 'DECIMAL(18,2)',
              'cost_amount': 'DECIMAL(18,2)', 'currency': 'VARCHAR'}})
        group by all
        """
    ).fetchall()
    ledger = con.execute(
        f"""
        select date_trunc('month', posting_date) as period_month, account_no, cost_center,
               sum(amount) as amount
        from read_csv('{landing}/erp/*/gl_entries.csv', header = true,
            columns = {{'entry_no': 'VARCHAR', 'posting_date': 'DATE',
              'account_no': 'VARCHAR', 'account_name': 'VARCHAR', 'cost_center': 'VARCHAR',
              'amount': 'DECIMAL(18,2)', 'description': 'VARCHAR', 'customer_no': 'VARCHAR'}})
        group by all
        """
    ).fetchall()
    seconds = time.perf_counter() - started
    con.close()
    return {"seconds": seconds, "revenue_groups": len(revenue), "ledger_groups": len(ledger)}


def postgres_publish(published: Path) -> dict[str, Any] | None:
    """Publish the mart into a private PostgreSQL on loopback (None without PostgreSQL)."""
    import tempfile

    from klantwaarde.serve import pg_server
    from klantwaarde.serve.postgres import publish_to_postgres

    try:
        pg_server.bin_dir()
    except RuntimeError:
        return None
    root = Path(tempfile.mkdtemp(prefix="klantwaarde-bench-pg-"))
    root.chmod(0o755)
    try:
        server = pg_server.start(root / "data")
        try:
            summary = publish_to_postgres(published, server.dsn)
        finally:
            pg_server.stop(root / "data")
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return {"seconds": summary.seconds, "rows": sum(summary.tables.values())}


def relinking_landing(landing: Path, last: date, night: date, work: Path) -> tuple[Path, int]:
    """A landing zone of hard links to `landing`'s drops, plus drop `night`: the masters
    of `last` again, in which 1 % of the CRM accounts and service-desk organisations
    matched to an ERP customer by its number take the identity of another ERP customer.
    Returns the folder and how many source ids were moved."""
    from klantwaarde.generate.relinks import write_relinking_night

    relinked = work.parent / f"{work.name}-relinking-landing"
    shutil.rmtree(relinked, ignore_errors=True)
    shutil.copytree(landing, relinked, copy_function=os.link)
    con = duckdb.connect(str(work / "warehouse.duckdb"), read_only=True)
    try:
        moves = {}
        for system, evidence in (("crm", "account_number"), ("servicedesk", "external_id")):
            moves[system] = dict(
                con.execute(
                    """
                    with matched as (
                        select source_id, row_number() over (order by hash(source_id)) as n,
                               count(*) over () as total
                        from mart.bridge_customer_source
                        where system = ? and match_method = ?
                    ),
                    erp as (
                        select customer_no, row_number() over (order by hash(customer_no)) as n
                        from staging.stg_erp__customers
                    )
                    select matched.source_id, erp.customer_no
                    from matched join erp on erp.n = matched.n
                    where matched.n <= matched.total / 100
                    """,
                    [system, evidence],
                ).fetchall()
            )
    finally:
        con.close()
    write_relinking_night(relinked, last, night, moves["crm"], moves["servicedesk"])
    return relinked, sum(len(m) for m in moves.values())


def bench_set(name: str, params: dict[str, int]) -> dict[str, Any]:
    from klantwaarde.generate.truth import truth_dir
    from klantwaarde.settings import DuckDBSettings, RunSettings

    landing, generate_s = ensure_landing(name, params)
    dates = drop_dates(landing)
    if len(dates) < 2:
        raise SystemExit(f"set {name}: need at least two complete nights, found {dates}")
    work = BENCH_DIR / "runs" / name
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    duck = DuckDBSettings()
    # the generated company's own cost model (its staff's practical capacity)
    company = truth_dir(landing) / "config"

    def settings(as_of: date, full_refresh: bool, source: Path = landing) -> RunSettings:
        return RunSettings(
            landing=source,
            warehouse=work / "warehouse.duckdb",
            as_of=as_of,
            full_refresh=full_refresh,
            duckdb=duck,
            config_dir=company,
        )

    nodes: dict[str, list[dict[str, Any]]] = {}
    folders: dict[str, list[dict[str, Any]]] = {}

    def dbt_figures(run: str, run_settings: RunSettings) -> None:
        nodes[run] = slowest_nodes(run_settings)
        folders[run] = node_seconds_by_folder(run_settings)

    full = run_pipeline(settings(dates[-2], True))
    dbt_figures("full", settings(dates[-2], True))
    incremental = run_pipeline(settings(dates[-1], False))
    dbt_figures("incremental", settings(dates[-1], False))
    month_start = date(dates[-1].year + dates[-1].month // 12, dates[-1].month % 12 + 1, 1)
    relinked, moved = relinking_landing(landing, dates[-1], month_start, work)
    first_night = run_pipeline(settings(month_start, False, relinked))
    dbt_figures("first_night", settings(month_start, False, relinked))
    shutil.rmtree(relinked, ignore_errors=True)
    floor = floor_query(landing, duck.threads, duck.memory_limit)
    postgres = postgres_publish(work / "published" / "klantwaarde_mart.duckdb")
    input_bytes = sum(p.stat().st_size for p in landing.rglob("*") if p.is_file())
    return {
        "set": name,
        "params": params,
        "landing_bytes": input_bytes,
        "generate_seconds": generate_s,
        "full_as_of": dates[-2].isoformat(),
        "incremental_as_of": dates[-1].isoformat(),
        "first_night_as_of": month_start.isoformat(),
        "first_night_relinks": moved,
        **_run_figures("full", full),
        **_run_figures("incremental", incremental),
        **_run_figures("first_night", first_night),
        "floor": floor,
        "postgres_publish": postgres,
        "slowest_dbt_nodes": nodes,
        "dbt_seconds_by_folder": folders,
        "duckdb": duck.config(),
    }


def _run_figures(run: str, stages: list[StageFigure]) -> dict[str, Any]:
    """The JSON figures of one run: its stages, and its totals as `<run>_<measure>`."""
    return {
        run: [
            f.__dict__ | {"rows_per_s": f.rows_per_s, "cores_busy": f.cores_busy} for f in stages
        ],
        f"{run}_total_seconds": sum(f.seconds for f in stages),
        f"{run}_cpu_seconds": sum(f.cpu_seconds or 0.0 for f in stages),
        f"{run}_peak_rss_mib": max(f.peak_rss_mib for f in stages),
    }


def print_set(figures: dict[str, Any]) -> None:
    print(
        f"\n== set {figures['set']} {figures['params']}  landing "
        f"{figures['landing_bytes'] / 2**20:.0f} MiB  duckdb {figures['duckdb']}"
    )
    if figures["generate_seconds"] is not None:
        print(f"   generate: {figures['generate_seconds']:.1f} s")
    for run in ("full", "incremental", "first_night"):
        print(f"   {run.replace('_', '-')} run (as of {figures[run + '_as_of']}):")
        print(
            f"     {'stage':<16}{'seconds':>10}{'CPU s':>9}{'cores':>7}"
            f"{'peak RSS MiB':>15}{'rows/s':>14}"
        )
        for stage in figures[run]:
            rate = f"{stage['rows_per_s']:,.0f}" if stage["rows_per_s"] else ""
            cores = f"{stage['cores_busy']:.2f}" if stage["cores_busy"] else ""
            print(
                f"     {stage['stage']:<16}{stage['seconds']:>10.2f}"
                f"{stage['cpu_seconds'] or 0:>9.2f}{cores:>7}"
                f"{stage['peak_rss_mib']:>15.0f}{rate:>14}"
            )
        total = figures[run + "_total_seconds"]
        cpu = figures[run + "_cpu_seconds"]
        print(
            f"     {'total':<16}{total:>10.2f}{cpu:>9.2f}{cpu / total if total else 0:>7.2f}"
            f"{figures[run + '_peak_rss_mib']:>15.0f}"
        )
    for run, nodes in figures["slowest_dbt_nodes"].items():
        print(f"   slowest dbt nodes, {run.replace('_', '-')} run:")
        for node in nodes[:7]:
            print(f"     {node['seconds']:>8.2f}  {node['node']}  ({node['invocation']})")
    for run, folders in figures["dbt_seconds_by_folder"].items():
        print(f"   dbt node seconds by folder, {run.replace('_', '-')} run:")
        for entry in folders[:8]:
            print(f"     {entry['seconds']:>8.2f}  {entry['nodes']:>4} nodes  {entry['folder']}")
    ratio = figures["incremental_total_seconds"] / figures["full_total_seconds"]
    print(f"   incremental / full: {ratio:.0%}")
    ratio = figures["first_night_total_seconds"] / figures["full_total_seconds"]
    print(
        f"   first night of a month ({figures['first_night_relinks']} source ids re-linked)"
        f" / full: {ratio:.0%}"
    )
    print(
        f"   floor (one DuckDB query for the same monthly aggregates): "
        f"{figures['floor']['seconds']:.2f} s"
    )
    if figures.get("postgres_publish"):
        pg = figures["postgres_publish"]
        print(f"   publish to PostgreSQL (COPY, one transaction): {pg['seconds']:.2f} s, "
              f"{pg['rows']:,} rows")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default="S,M", help="comma-separated: S, M")
    args = parser.parse_args(argv)
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "False")
    results_dir = BENCH_DIR / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    machine = {
        "cpus": os.cpu_count(),
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
    }
    print(f"machine: {machine}")
    for name in [s.strip() for s in args.sets.split(",") if s.strip()]:
        if name not in SETS:
            raise SystemExit(f"unknown set {name!r}; choose from {', '.join(SETS)}")
        figures = bench_set(name, SETS[name]) | {"machine": machine}
        print_set(figures)
        (results_dir / f"{name}.json").write_text(json.dumps(figures, indent=2, default=str))
    print(f"\nfigures written to {results_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
