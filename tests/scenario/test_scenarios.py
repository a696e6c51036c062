"""Scenarios (contracts §6) against a real warehouse: the cost model's models built beside
the actuals, results checked against amounts worked out here from the mart's inputs."""

from __future__ import annotations

import shutil
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb
import pytest

from klantwaarde.config import ConfigError
from klantwaarde.demo import complete_nights
from klantwaarde.generate import generate
from klantwaarde.generate.truth import truth_dir
from klantwaarde.pipeline import run
from klantwaarde.scenario import run_scenario
from klantwaarde.settings import RunSettings

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Built:
    settings: RunSettings
    config: Path

    def rows(self, sql: str, params: list | None = None) -> list[tuple]:
        with duckdb.connect(str(self.settings.warehouse), read_only=True) as con:
            return con.execute(sql, params or []).fetchall()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    root = tmp_path_factory.mktemp("scenario")
    landing = root / "landing"
    generate(out=landing, customers=150, months=5, seed=11, start=date(2024, 10, 2))
    config = truth_dir(landing) / "config"
    settings = RunSettings(
        landing=landing, warehouse=root / "wh" / "klantwaarde.duckdb",
        as_of=complete_nights(landing)[-1], config_dir=config,
    )  # fmt: skip
    run(settings)
    return Built(settings, config)


def _scenario_config(built: Built, tmp_path: Path, name: str) -> Path:
    folder = tmp_path / name
    shutil.copytree(built.config, folder)
    return folder


def _fingerprint(built: Built) -> list[tuple]:
    return built.rows(
        "select count(*), sum(hash(customer_key, period_month, revenue, cost_to_serve,"
        " credit_cost, contribution)) from mart.fct_customer_profitability"
    )


def _by_customer_month(built: Built, name: str) -> dict[tuple, tuple]:
    return {
        (key, month): rest
        for key, month, *rest in built.rows(
            "select customer_key, period_month, revenue - actual_revenue,"
            " cost_to_serve - actual_cost_to_serve, credit_cost - actual_credit_cost,"
            " contribution - actual_contribution"
            " from mart.scenario_profitability where scenario = ?",
            [name],
        )
    }


def _half_up(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def test_a_longer_unit_time_moves_exactly_the_customers_with_that_driver(built, tmp_path):
    before = _fingerprint(built)
    folder = _scenario_config(built, tmp_path, "tickets_longer")
    activities = folder / "pool_activities.csv"
    text = activities.read_text(encoding="utf-8")
    assert "customer_service,handle_ticket,ticket_minutes,1\n" in text
    activities.write_text(
        text.replace(
            "customer_service,handle_ticket,ticket_minutes,1\n",
            "customer_service,handle_ticket,ticket_minutes,1.2\n",
        ),
        encoding="utf-8",
    )
    summary = run_scenario(built.settings, "tickets_longer", folder)
    assert summary.published

    # by hand: every source id is charged (pool cost / capacity) x minutes, half up to the
    # cent; 20 % more minutes per ticket, the same cost and capacity
    pools = {
        month: (ledger, capacity, used)
        for month, ledger, capacity, used in built.rows(
            "select period_month, ledger_amount, practical_capacity_minutes, used_minutes"
            " from mart.reconciliation_ledger where cost_pool = 'customer_service'"
        )
    }
    assert all(used * Decimal("1.2") <= capacity for _, capacity, used in pools.values())
    keys = dict(
        ((system, source), key)
        for system, source, key in built.rows(
            "select system, source_id, customer_key from mart.bridge_customer_source"
        )
    )
    unassigned = built.rows(
        "select customer_key from mart.dim_customer"
        " where customer_key not in (select customer_key from mart.bridge_customer_source)"
    )[0][0]
    expected: dict[tuple, Decimal] = defaultdict(Decimal)
    for source, month, minutes in built.rows(
        "select source_id, period_month, driver_quantity"
        " from intermediate.int_source_drivers_monthly where driver = 'ticket_minutes'"
    ):
        if month not in pools:
            continue
        ledger, capacity, _ = pools[month]
        key = keys.get(("servicedesk", source), unassigned)
        expected[(key, month)] += _half_up(ledger * Decimal("1.2") * minutes / capacity) - _half_up(
            ledger * minutes / capacity
        )
    moved = {k: v for k, v in _by_customer_month(built, "tickets_longer").items() if any(v)}
    assert moved, "the scenario moved nobody"
    assert {k for k, v in expected.items() if v} == set(moved)
    for key, (revenue, cost_to_serve, credit, contribution) in moved.items():
        assert (revenue, credit) == (0, 0), key
        assert cost_to_serve == expected[key], key
        assert contribution == -expected[key], key
    # the actuals are never changed
    assert _fingerprint(built) == before


def test_a_price_change_moves_revenue_and_contribution_by_hand(built, tmp_path):
    before = _fingerprint(built)
    group, _ = built.rows(
        "select product_group, count(*) from staging.stg_erp__products"
        " group by 1 order by 2 desc, 1 limit 1"
    )[0]
    folder = _scenario_config(built, tmp_path, "prices")
    (folder / "price_changes.csv").write_text(
        f"product_group,change_pct\n{group},10\n", encoding="utf-8"
    )
    run_scenario(built.settings, "prices", folder)

    keys = {
        source: key
        for source, key in built.rows(
            "select source_id, customer_key from mart.bridge_customer_source where system = 'erp'"
        )
    }
    expected: dict[tuple, Decimal] = defaultdict(Decimal)
    for customer_no, month, amount in built.rows(
        "select l.customer_no, l.invoice_month, l.net_amount_eur"
        " from intermediate.int_erp_invoice_lines_in_eur l"
        " join staging.stg_erp__products p using (product_code)"
        " where p.product_group = ? and l.invoice_month <= ?",
        [group, built.settings.as_of],
    ):
        expected[(keys[customer_no], month)] += _half_up(amount * Decimal("0.10"))
    moved = {k: v for k, v in _by_customer_month(built, "prices").items() if any(v)}
    assert {k for k, v in expected.items() if v} == set(moved)
    for key, (revenue, cost_to_serve, credit, contribution) in moved.items():
        assert (cost_to_serve, credit) == (0, 0), key
        assert revenue == contribution == expected[key], key
    assert _fingerprint(built) == before


def test_scenarios_are_listed_replaced_and_published(built, tmp_path):
    folder = _scenario_config(built, tmp_path, "again")
    first = run_scenario(built.settings, "again", folder)
    second = run_scenario(built.settings, "again", folder)
    assert first.rows == second.rows
    listed = built.rows("select scenario, config_fingerprint from mart.scenarios")
    assert [row for row in listed if row[0] == "again"] == [("again", second.config_fingerprint)]
    assert built.rows(
        "select count(*) from mart.scenario_profitability where scenario = 'again'"
    ) == [(second.rows,)]
    # the same cost model as the actuals: nobody moves
    assert not any(any(v) for v in _by_customer_month(built, "again").values())
    with duckdb.connect(str(built.settings.published_path), read_only=True) as con:
        published = con.execute("select scenario from mart.scenarios order by scenario").fetchall()
    assert ("again",) in published
    report = (built.settings.published_dir / "report" / "index.html").read_text("utf-8")
    assert 'data-chart="scenario_whale_curve"' in report


def test_an_unknown_product_group_names_the_file_and_row(built, tmp_path):
    folder = _scenario_config(built, tmp_path, "typo")
    (folder / "price_changes.csv").write_text(
        "product_group,change_pct\nNO-SUCH-GROUP,5\n", encoding="utf-8"
    )
    before = built.rows("select count(*) from mart.scenarios")
    with pytest.raises(
        ConfigError, match=r"price_changes\.csv row 2: product_group 'NO-SUCH-GROUP'"
    ):
        run_scenario(built.settings, "typo", folder)
    assert built.rows("select count(*) from mart.scenarios") == before
