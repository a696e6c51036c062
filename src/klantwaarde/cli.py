"""The `klantwaarde` command line (shared/contracts.md section 2).

The CLI only parses arguments and calls the package's step functions; it holds no
logic of its own. Errors that a gate or a bad input raises end as one line on stderr
and a non-zero exit code.
"""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from klantwaarde.errors import KlantwaardeError


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a YYYY-MM-DD date: {text!r}") from exc


def _money(text: str) -> Decimal:
    try:
        return Decimal(text).quantize(Decimal("0.01"))
    except InvalidOperation as exc:
        raise argparse.ArgumentTypeError(f"not an amount: {text!r}") from exc


def _rate(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"a rate lies between 0 and 1, not {text}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="klantwaarde",
        description="Customer-value warehouse: load, conform, allocate, reconcile, segment.",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    gen = commands.add_parser("generate", help="write realistic nightly drops of all three systems")
    gen.add_argument("--out", type=Path, required=True, help="landing zone to write into")
    gen.add_argument("--customers", type=int, required=True, help="number of ERP customers")
    gen.add_argument("--months", type=int, required=True, help="months of history")
    gen.add_argument("--seed", type=int, required=True, help="random seed (same seed, same bytes)")
    gen.add_argument("--start", type=_date, default=None, help="first day of history (YYYY-MM-DD)")
    gen.add_argument(
        "--dirty-rate", type=_rate, default=0.0, help="share of rows with planted faults (0..1)"
    )
    gen.add_argument(
        "--without-gl",
        action="store_true",
        help="an ERP that exports invoices but no GL entries: every gl_entries.csv holds "
        "its header only (a revenue-only company)",
    )
    gen.add_argument(
        "--nightly-days",
        type=int,
        default=None,
        help="write the last N nights as nightly drops and everything before as one "
        "initial (backfill) drop; default: see `klantwaarde.generate`",
    )

    run = commands.add_parser("run", help="the nightly load for one date")
    run.add_argument(
        "--landing", type=Path, required=True, help="the landing zone: <system>/<date>/ drops"
    )
    run.add_argument(
        "--warehouse",
        type=Path,
        required=True,
        help="the working DuckDB file; the published mart and the report go to "
        "published/ beside it",
    )
    run.add_argument(
        "--as-of",
        type=_date,
        required=True,
        dest="as_of",
        help="the night to load and build (YYYY-MM-DD); nights only move forward",
    )
    run.add_argument(
        "--config",
        type=Path,
        default=None,
        metavar="DIR",
        help="the company's config folder: cost model (cost_pool_map.csv, cost_pools.csv, "
        "pool_activities.csv, gl_accounts.csv) and thresholds (settings.yml); files it does "
        "not hold keep the shipped example's (default: $KLANTWAARDE_CONFIG_DIR or config/)",
    )
    run.add_argument(
        "--full-refresh",
        action="store_true",
        help="rebuild every month; with an earlier as-of date, restate everything as of it",
    )
    run.add_argument(
        "--release-quarantined-gl",
        action="store_true",
        dest="release_quarantined_gl",
        help="publish although GL postings are in quarantine (the reconciliation and the "
        "report show their money); without it such a run stops before publish",
    )
    run.add_argument(
        "--quiet",
        action="store_true",
        help="print only the result (and a failure's one line): no step or progress lines",
    )
    run.add_argument(
        "--postgres",
        metavar="DSN",
        default=None,
        help="also publish schema mart to this PostgreSQL database in one transaction "
        "(default: $KLANTWAARDE_POSTGRES_DSN; the BI role $KLANTWAARDE_POSTGRES_BI_ROLE, "
        "default klantwaarde_bi, may read it and nothing else)",
    )
    run.add_argument(
        "--budget",
        type=_money,
        default=Decimal("1000000.00"),
        help="total commercial budget to split over segments (EUR)",
    )

    scenario = commands.add_parser(
        "scenario",
        help="what-if: allocation and profitability with another cost model (and prices), "
        "beside the actuals (mart.scenario_profitability)",
    )
    scenario.add_argument(
        "--warehouse", type=Path, required=True, help="the working DuckDB file of the actuals"
    )
    scenario.add_argument(
        "--name", required=True, help="the scenario's name; running a name again replaces it"
    )
    scenario.add_argument(
        "--config",
        type=Path,
        required=True,
        metavar="DIR",
        help="the scenario's config folder (files it does not hold keep the shipped example's),"
        " with price_changes.csv (product_group, change_pct) where prices change",
    )
    scenario.add_argument(
        "--as-of",
        type=_date,
        default=None,
        dest="as_of",
        help="the months up to this date (YYYY-MM-DD; default: the last night built)",
    )

    report = commands.add_parser(
        "report", help="rebuild the report (published/report/index.html) from the published mart"
    )
    report.add_argument(
        "--warehouse",
        type=Path,
        required=True,
        help="the working DuckDB file whose published/ folder holds the mart",
    )

    demo = commands.add_parser("demo", help="generate a sample and run the real Airflow DAG on it")
    demo.add_argument("--dir", type=Path, default=Path("demo"), help="where the demo writes")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # a log handler that cannot write (a full disk) must not print a traceback per record
    logging.raiseExceptions = False
    try:
        if args.command == "generate":
            from klantwaarde.generate import generate

            summary = generate(
                out=args.out,
                customers=args.customers,
                months=args.months,
                seed=args.seed,
                start=args.start,
                dirty_rate=args.dirty_rate,
                nightly_days=args.nightly_days,
                with_ledger=not args.without_gl,
            )
            print(summary)
        elif args.command == "run":
            from klantwaarde import progress
            from klantwaarde.pipeline import run
            from klantwaarde.settings import RunSettings

            if not args.quiet:
                progress.enable()

            result = run(
                RunSettings(
                    landing=args.landing,
                    warehouse=args.warehouse,
                    as_of=args.as_of,
                    full_refresh=args.full_refresh,
                    commercial_budget=args.budget,
                    release_quarantined_gl=args.release_quarantined_gl,
                    **({"postgres_dsn": args.postgres} if args.postgres else {}),
                    **({"config_dir": args.config} if args.config else {}),
                )
            )
            print(result)
        elif args.command == "scenario":
            from klantwaarde.scenario import run_scenario
            from klantwaarde.settings import RunSettings

            settings = RunSettings(
                landing=args.warehouse.parent, warehouse=args.warehouse, as_of=date.today()
            )
            print(run_scenario(settings, args.name, args.config, args.as_of))
        elif args.command == "report":
            from klantwaarde.report import build_report
            from klantwaarde.report.figures import ReportError

            published = args.warehouse.parent / "published" / "klantwaarde_mart.duckdb"
            if not published.exists():
                raise ReportError(f"{published}: no published mart: run `klantwaarde run` first")
            print(build_report(published))
        elif args.command == "demo":
            from klantwaarde.demo import demo

            demo(args.dir)
    except KlantwaardeError as exc:
        print(f"klantwaarde {args.command}: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
