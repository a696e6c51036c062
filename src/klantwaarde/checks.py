"""Great Expectations checkpoints on the mart: one suite per concern.

The GX file context lives in the repository's `expectations/` folder
(`great_expectations.yml`, `expectations/<suite>.json`, `validation_definitions/`,
`checkpoints/`). The suites are *defined* here, in code, once; `scripts/gx_setup.py`
writes them into the file context (`add_or_update`) and the files are committed. A
test checks that code and files agree.

Why pandas batches: a GX SQL datasource on DuckDB fails silently (every expectation
`success=False`, the cause only in `exception_info`; see shared/stack-notes.md). So
each concern is a small SQL query run through a READ-ONLY DuckDB connection that is
closed again before GX starts; GX validates the resulting DataFrame. A checkpoint
passes one set of batch parameters to all its validation definitions, so there is one
checkpoint per frame (per kind of asset).

Concerns:
- identity: every ERP customer maps to exactly one customer_key; each CRM account and
  service-desk organization to at most one (`mart.bridge_customer_source`).
- totals: mart revenue = staged ERP revenue (per month); allocated + unallocated =
  ledger (per pool and month); the allocation fact agrees with the ledger table; the
  cost-to-serve and credit cost of the profitability fact = the allocation fact (per
  customer and month, summed as absolute differences per month). Over the months the
  last build rebuilt (every month after a build of every month), as the dbt tests of
  the facts.
- definitions: "active customer" in ERP (bought in the last 12 months) versus CRM
  (statecode 0). The share of customers on which the two disagree is kept under a
  configurable bound (`KLANTWAARDE_ACTIVE_DISAGREEMENT_MAX`, default 0.35). Severity
  WARNING: it shows in Data Docs and in the run's summary, it never stops a run.
- hygiene_text: no value in any mart text column looks like an e-mail address.
- hygiene_amounts: amount columns are DECIMAL(p, 2) and hold no third decimal.
- hygiene_periods: `period_month` is the first of a month, in every mart table.
  The hygiene checks read the rows the run wrote (`_written_rows`): a fact's rebuilt
  months, the run's as-of date of a table kept per as-of date, every other table whole.
- hygiene_segments: Curry tiers hold exactly their definition's counts (cumulative
  ceil(n x share) of the n active customers, with the tier shares of the segment
  configuration the run reads, `SegmentConfig.from_env()`), classes are valid.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from klantwaarde.build import INCREMENTAL_FACTS, relation_exists
from klantwaarde.errors import CheckError
from klantwaarde.settings import EXPECTATIONS_DIR, RunSettings

log = logging.getLogger(__name__)

DATASOURCE = "klantwaarde_mart"
BATCH_DEFINITION = "whole_frame"
DEFAULT_ACTIVE_DISAGREEMENT_MAX = 0.35
EMAIL_REGEX = r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}"
AMOUNT_COLUMN_REGEX = (
    r"(^|_)(revenue|cogs|gross_margin|cost_to_serve|credit_cost|contribution|ledger_amount"
    r"|allocated_amount|unallocated_amount|difference)(_12m|_prev_12m)?$|_amount$|_eur$"
)


def _quiet_gx_imports() -> None:
    # GX logs one INFO line per public function it registers at import time.
    logging.getLogger("great_expectations._docs_decorators").setLevel(logging.WARNING)
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")


@dataclass(frozen=True)
class Concern:
    """One suite, its frame (SQL on the working warehouse) and its checkpoint."""

    name: str
    description: str
    frame_sql: Callable[[RunSettings, duckdb.DuckDBPyConnection], str]
    expectations: Callable[[], list[Any]]
    index_columns: tuple[str, ...]
    blocking: bool = True
    notes: dict[str, str] = field(default_factory=dict)


# ---------------------------------------------------------------- frames (SQL)


def _identity_sql(settings: RunSettings, con: duckdb.DuckDBPyConnection) -> str:
    return """
    with bridge as (
        select lower(cast(system as varchar)) as system, cast(source_id as varchar) as source_id,
               customer_key
          from mart.bridge_customer_source
    ),
    keyed as (
        select system, source_id, count(distinct customer_key) as n_customer_keys,
               count(*) as n_bridge_rows
          from bridge group by system, source_id
    ),
    erp_customers as (
        select distinct cast(customer_no as varchar) as source_id from staging.stg_erp__customers
        union
        select source_id from keyed where system = 'erp'
    )
    select 'erp' as system, erp_customers.source_id,
           coalesce(keyed.n_customer_keys, 0) as n_customer_keys,
           coalesce(keyed.n_bridge_rows, 0) as n_bridge_rows
      from erp_customers
      left join keyed on keyed.system = 'erp' and keyed.source_id = erp_customers.source_id
    union all
    select system, source_id, n_customer_keys, n_bridge_rows from keyed where system <> 'erp'
    order by 1, 2
    """


def checked_from(con: duckdb.DuckDBPyConnection) -> date | None:
    """The first month the last build rebuilt (`meta.build_runs`); None: every month (a
    build of every month, or no build recorded)."""
    if not relation_exists(con, "meta.build_runs"):
        return None
    row = con.execute(
        "select rebuild_from_month from meta.build_runs order by built_at desc limit 1"
    ).fetchone()
    return row[0] if row else None


def _totals_sql(settings: RunSettings, con: duckdb.DuckDBPyConnection) -> str:
    """The totals of the months the last build rebuilt (every month after a build of every
    month): the months before it are as they were when they were checked, and reading
    every month again would grow with every night, as the dbt tests of the facts do not."""
    month = checked_from(con)
    since = f"cast('{month.isoformat()}' as date)" if month else "cast('0001-01-01' as date)"
    return f"""
    with profitability as (
        select * from mart.fct_customer_profitability where period_month >= {since}
    ),
    ledger_rows as (
        select * from mart.reconciliation_ledger where period_month >= {since}
    ),
    allocation_rows as (
        select * from mart.fct_cost_allocation where period_month >= {since}
    ),
    mart_revenue as (
        select period_month, sum(revenue) as amount
          from profitability group by period_month
    ),
    staged_revenue as (
        select invoice_month as period_month, sum(net_amount_eur) as amount
          from staging.stg_erp__invoice_lines
         where invoice_month >= {since}
         group by invoice_month
    ),
    revenue as (
        select 'revenue: mart = staged ERP' as check_name,
               coalesce(mart_revenue.period_month, staged_revenue.period_month) as period_month,
               '(revenue)' as cost_pool,
               coalesce(staged_revenue.amount, 0) as expected,
               coalesce(mart_revenue.amount, 0) as actual
          from mart_revenue full outer join staged_revenue
            on mart_revenue.period_month = staged_revenue.period_month
    ),
    ledger as (
        select 'ledger: allocated + unallocated = ledger' as check_name, period_month, cost_pool,
               ledger_amount as expected, allocated_amount + unallocated_amount as actual
          from ledger_rows
    ),
    allocation_by_pool as (
        select period_month, cost_pool, sum(allocated_amount) as amount
          from allocation_rows group by period_month, cost_pool
    ),
    allocation_vs_ledger as (
        select 'allocation fact = ledger allocated' as check_name,
               coalesce(l.period_month, a.period_month) as period_month,
               coalesce(l.cost_pool, a.cost_pool) as cost_pool,
               coalesce(l.allocated_amount, 0) as expected, coalesce(a.amount, 0) as actual
          from ledger_rows as l
          full outer join allocation_by_pool as a
            on l.period_month = a.period_month and l.cost_pool = a.cost_pool
    ),
    allocation_by_customer as (
        select allocation.customer_key, allocation.period_month,
               sum(case when pools.cost_class = 'credit' then 0
                        else allocation.allocated_amount end) as cost_to_serve,
               sum(case when pools.cost_class = 'credit' then allocation.allocated_amount
                        else 0 end) as credit_cost
          from allocation_rows as allocation
          left join seeds.cost_pools as pools on pools.cost_pool = allocation.cost_pool
         group by allocation.customer_key, allocation.period_month
    ),
    per_customer as (
        select coalesce(p.period_month, a.period_month) as period_month,
               abs(coalesce(p.cost_to_serve, 0) - coalesce(a.cost_to_serve, 0)) as cts_off,
               abs(coalesce(p.credit_cost, 0) - coalesce(a.credit_cost, 0)) as credit_off
          from profitability as p
          full outer join allocation_by_customer as a
            on p.customer_key = a.customer_key and p.period_month = a.period_month
    ),
    cost_to_serve as (
        select 'cost_to_serve: profitability = allocation (per customer)' as check_name,
               period_month, '(cost_to_serve)' as cost_pool,
               cast(0 as decimal(18, 2)) as expected, sum(cts_off) as actual
          from per_customer group by period_month
        union all
        select 'credit_cost: profitability = allocation (per customer)', period_month,
               '(credit)', cast(0 as decimal(18, 2)), sum(credit_off)
          from per_customer group by period_month
    ),
    all_checks as (
        select * from revenue
        union all select * from ledger
        union all select * from allocation_vs_ledger
        union all select * from cost_to_serve
    )
    select check_name, strftime(period_month, '%Y-%m') as period_month, cost_pool,
           cast(expected as double) as expected, cast(actual as double) as actual,
           cast(expected - actual as double) as difference
      from all_checks
     order by check_name, period_month, cost_pool
    """


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


def _written_rows(settings: RunSettings, con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Per mart table, the condition for the rows the last build and segment step wrote.

    The hygiene checks read those rather than every row, which would grow every night: a
    table with an `as_of_date` (the segment step keeps one set of rows per as-of date)
    its rows of the run's as-of date, an incremental fact the months the last build
    rebuilt (`checked_from`); every other table all its rows."""
    month = checked_from(con)
    columns = con.execute(
        "select table_name, list(column_name) from duckdb_columns()"
        " where schema_name = 'mart' group by table_name"
    ).fetchall()
    written = {}
    for table, names in columns:
        if "as_of_date" in names:
            written[table] = f"as_of_date = date '{settings.as_of.isoformat()}'"
        elif table in INCREMENTAL_FACTS and month is not None:
            written[table] = f"period_month >= date '{month.isoformat()}'"
        else:
            written[table] = "true"
    return written


def _text_columns(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    return con.execute(
        """
        select table_name, column_name from duckdb_columns()
         where schema_name = 'mart' and data_type = 'VARCHAR'
         order by table_name, column_index
        """
    ).fetchall()


def _hygiene_text_sql(settings: RunSettings, con: duckdb.DuckDBPyConnection) -> str:
    written = _written_rows(settings, con)
    parts = [
        f"""select distinct '{table}' as table_name, '{column}' as column_name,
                   cast("{column}" as varchar) as text_value
              from mart."{table}" where "{column}" like '%@%' and {written[table]}"""
        for table, column in _text_columns(con)
    ]
    # Only values holding an '@' can look like an address; the frame keeps a
    # sentinel row so that it is never empty (an empty frame validates nothing).
    parts.append("select '(none)', '(none)', '(no value holds an @)'")
    return "\nunion all\n".join(parts)


def _hygiene_amounts_sql(settings: RunSettings, con: duckdb.DuckDBPyConnection) -> str:
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
    written = _written_rows(settings, con)
    parts = [
        f"""select '{table}' as table_name, '{column}' as column_name,
                   '{dtype}' as data_type,
                   count(*) filter (where round("{column}", 2) <> "{column}")
                       as values_with_more_decimals
              from mart."{table}" where {written[table]}"""
        for table, column, dtype in columns
    ]
    if not parts:
        return (
            "select '(none)' as table_name, '(none)' as column_name, "
            "'(no amount columns)' as data_type, 1 as values_with_more_decimals"
        )
    return "\nunion all\n".join(parts)


def _hygiene_periods_sql(settings: RunSettings, con: duckdb.DuckDBPyConnection) -> str:
    tables = [
        row[0]
        for row in con.execute(
            """
            select table_name from duckdb_columns()
             where schema_name = 'mart' and column_name = 'period_month' order by 1
            """
        ).fetchall()
    ]
    written = _written_rows(settings, con)
    parts = [
        f"""select distinct '{table}' as table_name,
                   cast(period_month as varchar) as period_month,
                   cast(extract(day from period_month) as integer) as day_of_month
              from mart."{table}" where {written[table]}"""
        for table in tables
    ]
    if not parts:
        return "select '(none)' as table_name, null as period_month, 0 as day_of_month"
    return "\nunion all\n".join(parts)


def _tier_shares() -> list[tuple[str, str]]:
    """The tier shares of the configuration the segment step of this run reads."""
    from klantwaarde.segment.config import SegmentConfig

    return [(label, str(share)) for label, share in SegmentConfig.from_env().curry.tiers]


def _hygiene_segments_sql(settings: RunSettings, con: duckdb.DuckDBPyConnection) -> str:
    shares = _tier_shares()
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


# ---------------------------------------------------------------- suites


def _identity_expectations() -> list[Any]:
    import great_expectations.expectations as gxe

    return [
        gxe.ExpectColumnValuesToBeInSet(column="system", value_set=["erp", "crm", "servicedesk"]),
        gxe.ExpectColumnValuesToBeBetween(
            column="n_customer_keys",
            min_value=1,
            max_value=1,
            row_condition='system=="erp"',
            condition_parser="pandas",
            description="Every ERP customer maps to exactly one customer_key.",
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="n_customer_keys",
            min_value=0,
            max_value=1,
            description="Each CRM account / service-desk organization maps to at most one "
            "customer_key.",
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="n_bridge_rows",
            min_value=0,
            max_value=1,
            description="A source record appears at most once in the bridge.",
        ),
    ]


def _totals_expectations() -> list[Any]:
    import great_expectations.expectations as gxe

    return [
        gxe.ExpectTableRowCountToBeBetween(min_value=1),
        gxe.ExpectColumnValuesToBeBetween(
            column="difference",
            min_value=0,
            max_value=0,
            description="Every total agrees to the cent: mart revenue = staged ERP revenue; "
            "allocated + unallocated = ledger per pool and month; cost-to-serve and credit "
            "cost of the profitability fact = the allocation fact.",
        ),
    ]


def _definitions_expectations() -> list[Any]:
    import great_expectations.expectations as gxe

    return [
        gxe.ExpectColumnMeanToBeBetween(
            column="disagrees",
            min_value=0,
            max_value={"$PARAMETER": "active_disagreement_max"},
            severity="warning",
            description="Share of customers known to ERP and CRM on which 'active' disagrees "
            "(ERP: bought in the last 12 months; CRM: statecode 0). A warning, not a failure.",
        ),
    ]


def _hygiene_text_expectations() -> list[Any]:
    import great_expectations.expectations as gxe

    return [
        gxe.ExpectColumnValuesToNotMatchRegex(
            column="text_value",
            regex=EMAIL_REGEX,
            description="No value in any mart text column looks like an e-mail address "
            "(personal data must never reach the mart).",
        ),
    ]


def _hygiene_amounts_expectations() -> list[Any]:
    import great_expectations.expectations as gxe

    return [
        gxe.ExpectColumnValuesToMatchRegex(
            column="data_type",
            regex=r"^DECIMAL\(\d+,2\)$",
            description="Amount columns are DECIMAL with two decimals.",
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="values_with_more_decimals", min_value=0, max_value=0
        ),
    ]


def _hygiene_periods_expectations() -> list[Any]:
    import great_expectations.expectations as gxe

    return [
        gxe.ExpectColumnValuesToNotBeNull(column="period_month"),
        gxe.ExpectColumnValuesToBeBetween(
            column="day_of_month",
            min_value=1,
            max_value=1,
            description="period_month is the first day of a month.",
        ),
    ]


def _hygiene_segments_expectations() -> list[Any]:
    import great_expectations.expectations as gxe

    return [
        gxe.ExpectTableRowCountToBeBetween(min_value=1),
        gxe.ExpectColumnValuesToBeBetween(
            column="count_error",
            min_value=0,
            max_value=0,
            description="Each Curry tier holds exactly its definition's count of active "
            "customers (cumulative ceil of 1% / 5% / 20%; small is the rest).",
        ),
        gxe.ExpectColumnValuesToBeBetween(column="bad_pareto", min_value=0, max_value=0),
        gxe.ExpectColumnValuesToBeBetween(column="bad_whitney", min_value=0, max_value=0),
    ]


CLV_METHODS = (
    "bg_nbd_gamma_gamma",
    "bg_nbd_own_spend",
    "historical_rate_gamma_gamma",
    "historical_rate_own_spend",
    "no_purchase",
)


def _future_value_expectations() -> list[Any]:
    import great_expectations.expectations as gxe

    return [
        gxe.ExpectTableRowCountToBeBetween(min_value=1),
        gxe.ExpectColumnValuesToBeUnique(column="customer_key"),
        gxe.ExpectColumnValuesToBeBetween(
            column="p_alive",
            min_value=0,
            max_value=1,
            description="P(alive) is a probability (NULL where the method has none).",
        ),
        gxe.ExpectColumnValuesToBeBetween(column="expected_purchases_12m", min_value=0),
        gxe.ExpectColumnValuesToBeBetween(column="expected_revenue_12m", min_value=0),
        gxe.ExpectColumnValuesToBeBetween(column="potential_value", min_value=0),
        gxe.ExpectColumnValuesToNotBeNull(column="clv"),
        gxe.ExpectColumnValuesToBeInSet(column="time_unit", value_set=["week", "day"]),
        gxe.ExpectColumnValuesToBeInSet(
            column="clv_method",
            value_set=[
                "bg_nbd_gamma_gamma",
                "bg_nbd_own_spend",
                "historical_rate_gamma_gamma",
                "historical_rate_own_spend",
                "no_purchase",
            ],
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="unknown_customer",
            value_set=[False],
            description="Every customer valued is a customer of dim_customer.",
        ),
    ]


CONCERNS: tuple[Concern, ...] = (
    Concern(
        "identity",
        "One customer_key per source record",
        _identity_sql,
        _identity_expectations,
        ("system", "source_id"),
    ),
    Concern(
        "totals",
        "Totals agree to the cent",
        _totals_sql,
        _totals_expectations,
        ("check_name", "cost_pool", "period_month"),
    ),
    Concern(
        "definitions",
        "Active customer: ERP versus CRM",
        _definitions_sql,
        _definitions_expectations,
        ("customer_key",),
        blocking=False,
    ),
    Concern(
        "hygiene_text",
        "No e-mail addresses in the mart",
        _hygiene_text_sql,
        _hygiene_text_expectations,
        ("table_name", "column_name"),
    ),
    Concern(
        "hygiene_amounts",
        "Amounts have two decimals",
        _hygiene_amounts_sql,
        _hygiene_amounts_expectations,
        ("table_name", "column_name"),
    ),
    Concern(
        "hygiene_periods",
        "period_month is the first of a month",
        _hygiene_periods_sql,
        _hygiene_periods_expectations,
        ("table_name", "period_month"),
    ),
    Concern(
        "hygiene_segments",
        "Segment tiers within their definition's counts",
        _hygiene_segments_sql,
        _hygiene_segments_expectations,
        ("curry_tier",),
    ),
    Concern(
        "future_value",
        "Future value as the value step wrote it",
        _future_value_sql,
        _future_value_expectations,
        ("customer_key",),
    ),
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


def _result_format(concern: Concern) -> dict[str, Any]:
    return {
        "result_format": "COMPLETE",
        "unexpected_index_column_names": list(concern.index_columns),
        "partial_unexpected_count": 5,
        "return_unexpected_index_query": False,
    }


def write_definitions(root: Path = EXPECTATIONS_DIR) -> list[str]:
    """Write datasource, suites, validation definitions and checkpoints (add_or_update)."""
    context = get_context(None, root)
    import great_expectations as gx

    datasource = context.data_sources.add_or_update_pandas(DATASOURCE)
    written = []
    for concern in CONCERNS:
        try:
            asset = datasource.get_asset(concern.name)
        except LookupError:
            asset = datasource.add_dataframe_asset(name=concern.name)
        try:
            batch_definition = asset.get_batch_definition(BATCH_DEFINITION)
        except KeyError:
            batch_definition = asset.add_batch_definition_whole_dataframe(BATCH_DEFINITION)
        suite = context.suites.add_or_update(
            gx.ExpectationSuite(
                name=concern.name,
                expectations=concern.expectations(),
                meta={"description": concern.description, "blocking": concern.blocking},
            )
        )
        definition = context.validation_definitions.add_or_update(
            gx.ValidationDefinition(name=concern.name, data=batch_definition, suite=suite)
        )
        context.checkpoints.add_or_update(
            gx.Checkpoint(
                name=concern.name,
                validation_definitions=[definition],
                # no UpdateDataDocsAction: it re-renders the whole site after each
                # checkpoint (0.5 s each); run_checks builds the docs once per step
                actions=[],
                result_format=_result_format(concern),
            )
        )
        written.append(concern.name)
    return written


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


def _disagreement_max() -> float:
    value = os.environ.get("KLANTWAARDE_ACTIVE_DISAGREEMENT_MAX")
    return float(value) if value else DEFAULT_ACTIVE_DISAGREEMENT_MAX


def run_checks(settings: RunSettings, concerns: tuple[Concern, ...] | None = None) -> CheckSummary:
    """Run the checkpoints of `concerns` (default: the mart concerns of the check step);
    raise CheckError naming each failing blocking expectation and the rows it failed on."""
    concerns = MART_CONCERNS if concerns is None else concerns
    frames = read_frames(settings, concerns)
    context = get_context(settings)
    summary = CheckSummary()
    parameters = {"active_disagreement_max": _disagreement_max()}
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
    # (558 stored results: 2.4 s per build, against 0.3 s for a step's own)
    context.build_data_docs(
        resource_identifiers=[key for result in results for key in result.run_results]
    )
    for concern, result in zip(concerns, results, strict=True):
        problems = []
        for validation in result.run_results.values():
            for expectation_result in validation.results:
                raised = (expectation_result.exception_info or {}).get("raised_exception")
                if expectation_result.success and not raised:
                    continue
                severity = str(getattr(expectation_result.expectation_config, "severity", ""))
                text = _describe(concern, expectation_result)
                if (concern.blocking and "warning" not in severity.lower()) or raised:
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


# The check step (before segmentation) validates what dbt built; the segment step runs
# the segment concern on its own output, and the text/amount hygiene again so that the
# tables segmentation wrote are covered too. Both happen before the reconciliation gate.
MART_CONCERNS = _named(
    "identity", "totals", "definitions", "hygiene_text", "hygiene_amounts", "hygiene_periods"
)
SEGMENT_CONCERNS = _named("hygiene_segments", "hygiene_text", "hygiene_amounts")
# the value step validates what it wrote before segmentation reads it
FUTURE_VALUE_CONCERNS = _named("future_value")
