"""Great Expectations checkpoints: what dbt cannot see. One suite per concern.

dbt's tests own everything about the models (keys, totals, the ledger identity, no
e-mail address in a mart model, contracts on the types). Great Expectations owns the
rest:
- definitions: "active customer" in ERP (bought in the last 12 months) versus CRM
  (statecode 0). The share of customers known to both on which the two disagree must
  stay under a bound (`definitions.active_disagreement_max` of the config's settings.yml,
  default 0.35; `KLANTWAARDE_ACTIVE_DISAGREEMENT_MAX` overrides it): above it the
  check step stops the run before anything is published.
- what the Python steps write (`segment.write.TABLES`, `future.tables.DDL`), on the rows
  of the run's as-of date:
  - future_value: every valued customer is a customer, probabilities and expectations
    in range, a method named for every row;
  - hygiene_segments: Curry tiers hold exactly their definition's counts (cumulative
    ceil(n x share) of the n active customers, with the tier shares of the segment
    configuration the run reads, its config folder's `settings.yml`), classes are valid;
  - hygiene_text: no value looks like an e-mail address;
  - hygiene_amounts: amount columns are DECIMAL(p, 2) and hold no third decimal.

The GX file context lives in the repository's `expectations/` folder. Each suite is
defined there, once, in `expectations/<suite>.json` (with its validation definition and
checkpoint); this module only reads the frames they validate and runs the checkpoints.
A suite's `meta.blocking` says whether a failure stops the run.

Why pandas batches: a GX SQL datasource on DuckDB fails silently (every expectation
`success=False`, the cause only in `exception_info`; see shared/stack-notes.md). So
each concern is a small SQL query run through a READ-ONLY DuckDB connection that is
closed again before GX starts; GX validates the resulting DataFrame. A checkpoint
passes one set of batch parameters to all its validation definitions, so there is one
checkpoint per frame (per kind of asset).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from klantwaarde.errors import CheckError
from klantwaarde.settings import EXPECTATIONS_DIR, RunSettings

log = logging.getLogger(__name__)

AMOUNT_COLUMN_REGEX = (
    r"(^|_)(revenue|cogs|gross_margin|cost_to_serve|credit_cost|contribution|ledger_amount"
    r"|allocated_amount|unallocated_amount|difference)(_12m|_prev_12m)?$|_amount$|_eur$"
    r"|^clv$|^potential_value$"
)


def _quiet_gx_imports() -> None:
    # GX logs one INFO line per public function it registers at import time.
    logging.getLogger("great_expectations._docs_decorators").setLevel(logging.WARNING)
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")


@dataclass(frozen=True)
class Concern:
    """One suite (`expectations/<name>.json`), the frame it validates (SQL on the working
    warehouse) and its checkpoint."""

    name: str
    frame_sql: Callable[[RunSettings, duckdb.DuckDBPyConnection], str]


# ---------------------------------------------------------------- frames (SQL)


def _definitions_sql(settings: RunSettings, con: duckdb.DuckDBPyConnection) -> str:
    return f"""
    select dim.customer_key,
           coalesce(window_12m.is_active, false) as is_active_erp,
           coalesce(dim.is_active_crm, false) as is_active_crm,
           cast(coalesce(window_12m.is_active, false) <> coalesce(dim.is_active_crm, false)
                as double) as disagrees
      from mart.dim_customer as dim
      left join mart.fct_customer_value_window as window_12m
        on window_12m.customer_key = dim.customer_key
       and window_12m.as_of_date = date '{settings.as_of.isoformat()}'
     where dim.erp_customer_no is not null and dim.crm_account_id is not null
     order by dim.customer_key
    """


def python_tables() -> tuple[str, ...]:
    """The mart tables the Python steps write, one set of rows per as-of date."""
    from klantwaarde.future.tables import DDL
    from klantwaarde.segment.write import TABLES

    return tuple(sorted({*TABLES, *DDL}))


def _written_rows(settings: RunSettings, con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """The Python steps' tables present in the warehouse, each with the condition for the
    rows of the run's as-of date (every row of a table without the column)."""
    columns = dict(
        con.execute(
            "select table_name, list(column_name) from duckdb_columns()"
            " where schema_name = 'mart' group by table_name"
        ).fetchall()
    )
    tonight = f"as_of_date = date '{settings.as_of.isoformat()}'"
    return {
        table: tonight if "as_of_date" in columns[table] else "true"
        for table in python_tables()
        if table in columns
    }


def _hygiene_text_sql(settings: RunSettings, con: duckdb.DuckDBPyConnection) -> str:
    written = _written_rows(settings, con)
    columns = con.execute(
        """
        select table_name, column_name from duckdb_columns()
         where schema_name = 'mart' and data_type = 'VARCHAR'
         order by table_name, column_index
        """
    ).fetchall()
    parts = [
        f"""select distinct '{table}' as table_name, '{column}' as column_name,
                   cast("{column}" as varchar) as text_value
              from mart."{table}"
             where "{column}" like '%@%' and {written[table]}"""
        for table, column in columns
        if table in written
    ]
    # Only values holding an '@' can look like an address; the frame keeps a
    # sentinel row so that it is never empty (an empty frame validates nothing).
    parts.append("select '(none)', '(none)', '(no value holds an @)'")
    return "\nunion all\n".join(parts)


def _hygiene_amounts_sql(settings: RunSettings, con: duckdb.DuckDBPyConnection) -> str:
    written = _written_rows(settings, con)
    columns = con.execute(
        """
        select table_name, column_name, data_type from duckdb_columns()
         where schema_name = 'mart' and regexp_matches(column_name, ?)
           and (data_type like 'DECIMAL%' or data_type in
                ('DOUBLE', 'FLOAT', 'REAL', 'INTEGER', 'BIGINT', 'HUGEINT'))
         order by table_name, column_index
        """,
        [AMOUNT_COLUMN_REGEX],
    ).fetchall()
    parts = [
        f"""select '{table}' as table_name, '{column}' as column_name,
                   '{dtype}' as data_type,
                   count(*) filter (where round("{column}", 2) <> "{column}")
                       as values_with_more_decimals
              from mart."{table}" where {written[table]}"""
        for table, column, dtype in columns
        if table in written
    ]
    if not parts:
        return (
            "select '(none)' as table_name, '(none)' as column_name, "
            "'(no amount columns)' as data_type, 1 as values_with_more_decimals"
        )
    return "\nunion all\n".join(parts)


def _hygiene_segments_sql(settings: RunSettings, con: duckdb.DuckDBPyConnection) -> str:
    # the tier shares of the configuration the segment step of this run reads
    shares = [(label, str(share)) for label, share in settings.config.segments.curry.tiers]
    cumulative = []
    running = "0"
    for index, (label, share) in enumerate(shares):
        running = f"({running} + {share})"
        cumulative.append(f"select {index} as tier_order, '{label}' as tier, {running} as cum")
    tiers_sql = " union all ".join(cumulative)
    return f"""
    with segments as (
        select * from mart.customer_segments
         where as_of_date = date '{settings.as_of.isoformat()}'
    ),
    active as (
        select count(*) as n from segments
         where curry_tier not in ('inactive', 'prospect')
    ),
    tiers as ({tiers_sql}),
    bounds as (
        select tier_order, tier,
               least(active.n, cast(ceil(active.n * cum - 1e-9) as bigint)) as cum_bound
          from tiers, active
    ),
    expected as (
        select tier,
               cum_bound - coalesce(lag(cum_bound) over (order by tier_order), 0) as expected_n
          from bounds
        union all
        select 'small', active.n - coalesce((select max(cum_bound) from bounds), 0)
          from active
    ),
    actual as (
        select curry_tier as tier, count(*) as actual_n from segments group by curry_tier
    )
    select expected.tier as curry_tier, expected.expected_n,
           coalesce(actual.actual_n, 0) as actual_n,
           coalesce(actual.actual_n, 0) - expected.expected_n as count_error,
           (select count(*) from segments
             where pareto_class not in ('A', 'B', 'C') or pareto_class is null) as bad_pareto,
           (select count(*) from segments
             where not regexp_full_match(coalesce(whitney_class, ''), '[YN]{{3}}')) as bad_whitney
      from expected left join actual on actual.tier = expected.tier
     order by expected.tier
    """


def _future_value_sql(settings: RunSettings, con: duckdb.DuckDBPyConnection) -> str:
    return f"""
    select l.customer_key, l.frequency, l.p_alive, l.expected_purchases_12m,
           l.expected_revenue_12m, l.clv, l.potential_value, l.time_unit, l.clv_method,
           (d.customer_key is null) as unknown_customer
      from mart.customer_lifetime_value l
      left join mart.dim_customer d on d.customer_key = l.customer_key
     where l.as_of_date = date '{settings.as_of.isoformat()}'
    """


# ---------------------------------------------------------------- concerns

CONCERNS: tuple[Concern, ...] = (
    Concern("definitions", _definitions_sql),
    Concern("hygiene_text", _hygiene_text_sql),
    Concern("hygiene_amounts", _hygiene_amounts_sql),
    Concern("hygiene_segments", _hygiene_segments_sql),
    Concern("future_value", _future_value_sql),
)


# ---------------------------------------------------------------- the file context


def _context_env(settings: RunSettings | None) -> None:
    """Point the stores GX writes at run time into the run's own output folder."""
    if settings is not None:
        os.environ["KLANTWAARDE_GX_RESULTS_DIR"] = str(settings.output_dir / "gx" / "validations")
        os.environ["KLANTWAARDE_GX_DOCS_DIR"] = str(settings.docs_dir / "gx")
    else:
        os.environ.setdefault(
            "KLANTWAARDE_GX_RESULTS_DIR", str(EXPECTATIONS_DIR / "uncommitted" / "validations")
        )
        os.environ.setdefault(
            "KLANTWAARDE_GX_DOCS_DIR", str(EXPECTATIONS_DIR / "uncommitted" / "data_docs")
        )


def get_context(settings: RunSettings | None = None, root: Path = EXPECTATIONS_DIR):
    _quiet_gx_imports()
    _context_env(settings)
    import great_expectations as gx

    return gx.get_context(mode="file", context_root_dir=str(root))


# ---------------------------------------------------------------- running


@dataclass
class CheckSummary:
    passed: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    disagreement_share: float | None = None
    data_docs: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "warnings": self.warnings,
            "failures": self.failures,
            "disagreement_share": self.disagreement_share,
            "data_docs": self.data_docs,
        }


def read_frames(settings: RunSettings, concerns=CONCERNS) -> dict[str, Any]:
    """All frames, read through one read-only connection that is closed afterwards."""
    frames = {}
    con = duckdb.connect(str(settings.warehouse), read_only=True, config=settings.duckdb.config())
    try:
        for concern in concerns:
            sql = concern.frame_sql(settings, con)
            frames[concern.name] = con.execute(sql).df()
    finally:
        con.close()
    return frames


def _describe(concern: Concern, result: Any) -> str:
    """One line: suite, expectation, column and the rows (by their index columns) it failed on.

    The failing value itself is shown only where it is no personal data (never for the
    e-mail check: the address would end up in the task log).
    """
    config = result.expectation_config
    kwargs = config.kwargs
    what = config.type
    if kwargs.get("column"):
        what += f"({kwargs['column']})"
    details = result.result or {}
    rows = details.get("unexpected_index_list") or []
    if result.exception_info and result.exception_info.get("raised_exception"):
        return f"{concern.name}: {what} raised {result.exception_info.get('exception_message')}"
    if rows:
        hidden = {kwargs.get("column")} if concern.name == "hygiene_text" else set()
        shown = "; ".join(
            " ".join(f"{k}={v}" for k, v in row.items() if k not in hidden)
            for row in rows[:3]
            if isinstance(row, dict)
        )
        more = f" (+{len(rows) - 3} more)" if len(rows) > 3 else ""
        return f"{concern.name}: {what} failed on {shown}{more}"
    observed = details.get("observed_value")
    return f"{concern.name}: {what} failed (observed {observed})"


def _disagreement_max(settings: RunSettings) -> float:
    """The config's `definitions.active_disagreement_max`; the environment overrides it."""
    value = os.environ.get("KLANTWAARDE_ACTIVE_DISAGREEMENT_MAX")
    return float(value) if value else float(settings.config.thresholds.active_disagreement_max)


def run_checks(settings: RunSettings, concerns: tuple[Concern, ...] | None = None) -> CheckSummary:
    """Run the checkpoints of `concerns` (default: the mart concerns of the check step);
    raise CheckError naming each failing blocking expectation and the rows it failed on."""
    concerns = MART_CONCERNS if concerns is None else concerns
    frames = read_frames(settings, concerns)
    context = get_context(settings)
    summary = CheckSummary()
    parameters = {"active_disagreement_max": _disagreement_max(settings)}
    results = []
    for concern in concerns:
        checkpoint = context.checkpoints.get(concern.name)
        results.append(
            checkpoint.run(
                batch_parameters={"dataframe": frames[concern.name]},
                expectation_parameters=parameters,
            )
        )
    # one Data Docs build for every checkpoint of the step, failing ones included; only
    # this step's validation results are rendered (the pages of earlier runs stay): a
    # full build renders every result in the store, and that grows every night
    context.build_data_docs(
        resource_identifiers=[key for result in results for key in result.run_results]
    )
    for concern, result in zip(concerns, results, strict=True):
        blocking = bool(context.suites.get(concern.name).meta.get("blocking", True))
        problems = []
        for validation in result.run_results.values():
            for expectation_result in validation.results:
                raised = (expectation_result.exception_info or {}).get("raised_exception")
                if expectation_result.success and not raised:
                    continue
                severity = str(getattr(expectation_result.expectation_config, "severity", ""))
                text = _describe(concern, expectation_result)
                if (blocking and "warning" not in severity.lower()) or raised:
                    problems.append(text)
                else:
                    summary.warnings.append(text)
        if problems:
            summary.failures.extend(problems)
        else:
            summary.passed.append(concern.name)
        if concern.name == "definitions" and len(frames[concern.name]):
            summary.disagreement_share = round(float(frames[concern.name]["disagrees"].mean()), 4)
    summary.data_docs = str(settings.docs_dir / "gx" / "index.html")
    for warning in summary.warnings:
        log.warning("GX warning: %s", warning)
    if summary.failures:
        raise CheckError(f"GX checkpoint failed: {' | '.join(summary.failures)}".replace("\n", " "))
    return summary


def build_data_docs(settings: RunSettings) -> str:
    """(Re)build the whole GX Data Docs site into `settings.docs_dir / 'gx'`: a page for
    every stored validation result (the document step, when the site has no index yet;
    otherwise each check step has rendered its own results)."""
    context = get_context(settings)
    context.build_data_docs()
    return str(settings.docs_dir / "gx" / "index.html")


def _named(*names: str) -> tuple[Concern, ...]:
    return tuple(c for c in CONCERNS if c.name in names)


# The check step (after the build) gates on the cross-system definitions; the value and
# segment steps validate what they wrote, before the reconciliation gate.
MART_CONCERNS = _named("definitions")
SEGMENT_CONCERNS = _named("hygiene_segments", "hygiene_text", "hygiene_amounts")
FUTURE_VALUE_CONCERNS = _named("future_value")
