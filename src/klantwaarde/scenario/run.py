"""One scenario: validate its config, build the cost model's models beside the actuals,
write `mart.scenario_profitability` and `mart.scenarios`, publish."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb

from klantwaarde.config import ConfigError, load_config
from klantwaarde.config.files import PRICE_CHANGES_FILE, load_price_changes
from klantwaarde.config.store import write_config
from klantwaarde.errors import KlantwaardeError
from klantwaarde.settings import RunSettings

PREFIX = "scenario_"
CONFIG_SCHEMA = f"{PREFIX}config"
# the models between the cost model and the profitability facts and the reconciliation
SELECT = (
    "source:config+,+fct_customer_profitability",
    "source:config+,+reconciliation_ledger",
)
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,62}")

DDL = (
    """create table if not exists mart.scenario_profitability (
        scenario varchar not null,
        as_of_date date not null,
        customer_key varchar not null,
        period_month date not null,
        revenue decimal(18,2) not null,
        cogs decimal(18,2) not null,
        cost_to_serve decimal(18,2) not null,
        credit_cost decimal(18,2) not null,
        contribution decimal(18,2) not null,
        actual_revenue decimal(18,2) not null,
        actual_cost_to_serve decimal(18,2) not null,
        actual_credit_cost decimal(18,2) not null,
        actual_contribution decimal(18,2) not null,
        primary key (scenario, customer_key, period_month)
    )""",
    """create table if not exists mart.scenarios (
        scenario varchar primary key,
        as_of_date date not null,
        config_dir varchar not null,
        config_fingerprint varchar not null,
        price_changes varchar not null,
        run_at timestamp not null,
        window_start_month date,
        window_end_month date,
        actual_contribution decimal(18,2) not null,
        scenario_contribution decimal(18,2) not null,
        customers_profit_to_loss integer not null,
        customers_loss_to_profit integer not null
    )""",
)


class ScenarioError(KlantwaardeError):
    """A scenario cannot run: the message says why, on one line."""


@dataclass(frozen=True)
class ScenarioSummary:
    name: str
    as_of: date
    config_fingerprint: str
    rows: int
    actual_contribution: Decimal
    scenario_contribution: Decimal
    profit_to_loss: int
    loss_to_profit: int
    window: tuple[date | None, date | None]
    published: bool

    def __str__(self) -> str:
        start, end = (d.strftime("%Y-%m") if d else "?" for d in self.window)
        change = self.scenario_contribution - self.actual_contribution
        published = "published with the mart" if self.published else "not published yet"
        return (
            f"klantwaarde scenario {self.name} (as of {self.as_of}): {self.rows} customer-months"
            f" in mart.scenario_profitability, {published}\n"
            f"  contribution {start}..{end}: actual {self.actual_contribution} EUR, scenario "
            f"{self.scenario_contribution} EUR ({change:+} EUR)\n"
            f"  customers from profit to loss: {self.profit_to_loss}, from loss to profit: "
            f"{self.loss_to_profit}"
        )


def _drop_scenario_schemas(con: duckdb.DuckDBPyConnection) -> None:
    schemas = con.execute(
        "select distinct schema_name from duckdb_schemas()"
        " where database_name = current_database() and starts_with(schema_name, ?)",
        [PREFIX],
    ).fetchall()
    for (schema,) in schemas:
        con.execute(f'drop schema if exists "{schema}" cascade')


def _check_product_groups(
    con: duckdb.DuckDBPyConnection, folder: Path, changes: dict[str, tuple[Decimal, int]]
) -> None:
    known = {
        row[0]
        for row in con.execute(
            "select distinct product_group from staging.stg_erp__products"
        ).fetchall()
    }
    for group, (_, line) in changes.items():
        if group not in known:
            raise ConfigError(
                f"config {folder / PRICE_CHANGES_FILE} row {line}: product_group {group!r} "
                "is not a product group of the ERP's products"
            )


RESULT_SQL = """
with

changes as (
    select product_group, cast(change_pct * 0.01 as decimal(12, 6)) as change_share
    from scenario_price_changes
),

keys as (
    select * from intermediate.int_customer_source_keys where system = 'erp'
),

unassigned as (
    select min(customer_key) as customer_key from mart.dim_customer
    where customer_key not in (select customer_key from mart.bridge_customer_source)
),

repriced as (
    -- every line of a changed product group, its change rounded to the cent
    select
        coalesce(keys.customer_key, (select customer_key from unassigned)) as customer_key,
        lines.invoice_month as period_month,
        -- exact decimals (a division would go through a double): half away from zero
        sum(cast(round(lines.net_amount_eur * changes.change_share, 2) as decimal(18, 2)))
            as revenue_change
    from intermediate.int_erp_invoice_lines_in_eur as lines
    inner join staging.stg_erp__products as products
        on lines.product_code = products.product_code
    inner join changes
        on products.product_group = changes.product_group
    left join keys
        on lines.customer_no = keys.source_id
    where lines.invoice_month <= $as_of
    group by all
),

scenario as (
    select * from scenario_mart.fct_customer_profitability where period_month <= $as_of
),

actual as (
    select * from mart.fct_customer_profitability where period_month <= $as_of
),

customer_months as (
    select customer_key, period_month from scenario
    union
    select customer_key, period_month from actual
    union
    select customer_key, period_month from repriced
),

joined as (
    select
        customer_months.customer_key,
        customer_months.period_month,
        coalesce(scenario.revenue, 0) + coalesce(repriced.revenue_change, 0) as revenue,
        coalesce(scenario.cogs, 0) as cogs,
        coalesce(scenario.cost_to_serve, 0) as cost_to_serve,
        coalesce(scenario.credit_cost, 0) as credit_cost,
        coalesce(actual.revenue, 0) as actual_revenue,
        coalesce(actual.cost_to_serve, 0) as actual_cost_to_serve,
        coalesce(actual.credit_cost, 0) as actual_credit_cost,
        coalesce(actual.contribution, 0) as actual_contribution
    from customer_months
    left join scenario using (customer_key, period_month)
    left join actual using (customer_key, period_month)
    left join repriced using (customer_key, period_month)
)

select
    $name as scenario,
    $as_of as as_of_date,
    customer_key,
    period_month,
    cast(revenue as decimal(18, 2)),
    cast(cogs as decimal(18, 2)),
    cast(cost_to_serve as decimal(18, 2)),
    cast(credit_cost as decimal(18, 2)),
    cast(revenue - cogs - cost_to_serve - credit_cost as decimal(18, 2)),
    cast(actual_revenue as decimal(18, 2)),
    cast(actual_cost_to_serve as decimal(18, 2)),
    cast(actual_credit_cost as decimal(18, 2)),
    cast(actual_contribution as decimal(18, 2))
from joined
"""

# the contribution window of the actual build (the last 12 closed months) per customer
CROSSING_SQL = """
with bounds as (
    select min(contribution_window_start_month) as start_month,
           max(contribution_window_end_month) as end_month
    from mart.fct_customer_value_window
),
per_customer as (
    select customer_key, sum(contribution) as scenario, sum(actual_contribution) as actual
    from mart.scenario_profitability, bounds
    where scenario = $name and period_month between bounds.start_month and bounds.end_month
    group by customer_key
)
select
    (select start_month from bounds), (select end_month from bounds),
    coalesce(sum(actual), 0), coalesce(sum(scenario), 0),
    count(*) filter (where actual >= 0 and scenario < 0),
    count(*) filter (where actual < 0 and scenario >= 0)
from per_customer
"""


def run_scenario(
    settings: RunSettings, name: str, config_dir: Path, as_of: date | None = None
) -> ScenarioSummary:
    """The scenario `name` with `config_dir`'s cost model, as of `as_of` (default: the
    last night built); see the package docstring. Publishes the mart again when the
    published file reflects the working warehouse's last build."""
    from klantwaarde.dbt_invoke import invoke
    from klantwaarde.publish import last_builds

    if not NAME.fullmatch(name):
        raise ScenarioError(
            f"scenario name {name!r}: letters, digits, '_', '-', '.', at most 63 characters"
        )
    config = load_config(config_dir)
    changes = load_price_changes(config.folder)
    if not settings.warehouse.exists():
        raise ScenarioError(f"{settings.warehouse}: no such warehouse")
    builds = last_builds(settings.warehouse, settings)
    if not builds:
        raise ScenarioError(
            "no night has been built in this warehouse: run `klantwaarde run` first"
        )
    last = builds[0].as_of
    con = duckdb.connect(str(settings.warehouse), config=settings.duckdb.config())
    try:
        as_of = as_of or last
        if as_of > last:
            raise ScenarioError(
                f"--as-of {as_of} is after the last night built ({last}): run that night first"
            )
        _check_product_groups(con, config.folder, changes)
        _drop_scenario_schemas(con)
        write_config(con, config, schema=CONFIG_SCHEMA)
    finally:
        con.close()

    state = settings.output_dir / "dbt_target"
    if not (state / "manifest.json").exists():
        raise ScenarioError(f"{state / 'manifest.json'}: no manifest of the last build")
    dbt_vars = {
        "as_of_date": as_of.isoformat(),
        "config_schema": CONFIG_SCHEMA,
        "scenario_schema_prefix": PREFIX,
    }
    invoke(
        settings,
        [
            "run",
            "--select",
            *SELECT,
            "--vars",
            json.dumps(dbt_vars),
            "--defer",
            "--favor-state",
            "--state",
            str(state),
        ],
        what=f"scenario {name}",
        target_name="dbt_scenario_target",
    )

    con = duckdb.connect(str(settings.warehouse), config=settings.duckdb.config())
    try:
        con.execute("begin transaction")
        for ddl in DDL:
            con.execute(ddl)
        con.execute(
            "create or replace temp table scenario_price_changes"
            " (product_group varchar, change_pct decimal(9, 4))"
        )
        if changes:
            con.executemany(
                "insert into scenario_price_changes values (?, ?)",
                [[group, pct] for group, (pct, _) in changes.items()],
            )
        params = {"name": name, "as_of": as_of}
        con.execute(
            "delete from mart.scenario_profitability where scenario = $name", {"name": name}
        )
        con.execute(f"insert into mart.scenario_profitability {RESULT_SQL}", params)
        rows = con.execute(
            "select count(*) from mart.scenario_profitability where scenario = $name",
            {"name": name},
        ).fetchone()[0]
        start, end, actual, scenario, to_loss, to_profit = con.execute(
            CROSSING_SQL, {"name": name}
        ).fetchone()
        con.execute("delete from mart.scenarios where scenario = $name", {"name": name})
        con.execute(
            "insert into mart.scenarios values"
            " (?, ?, ?, ?, ?, current_timestamp, ?, ?, ?, ?, ?, ?)",
            [
                name,
                as_of,
                str(config.folder),
                config.fingerprint,
                json.dumps({group: str(pct) for group, (pct, _) in changes.items()}),
                start,
                end,
                actual,
                scenario,
                to_loss,
                to_profit,
            ],
        )
        con.execute("commit")
        _drop_scenario_schemas(con)
    except BaseException:
        con.execute("rollback")
        raise
    finally:
        con.close()

    published = _publish_if_current(settings)
    return ScenarioSummary(
        name=name,
        as_of=as_of,
        config_fingerprint=config.fingerprint,
        rows=rows,
        actual_contribution=Decimal(actual).quantize(Decimal("0.01")),
        scenario_contribution=Decimal(scenario).quantize(Decimal("0.01")),
        profit_to_loss=to_loss,
        loss_to_profit=to_profit,
        window=(start, end),
        published=published,
    )


def _publish_if_current(settings: RunSettings) -> bool:
    """Publish the mart (with its scenarios) and the report again, when the published
    file reflects the working warehouse's last build: a warehouse whose last night did
    not pass its gates is never published from here."""
    from klantwaarde.pipeline import publish
    from klantwaarde.publish import is_published_build_current

    if not is_published_build_current(settings):
        return False
    publish(settings)
    return True
