"""Pareto classes, Whitney classes with their policies, and the value matrix."""

from __future__ import annotations

from decimal import Decimal

import duckdb
import pandas as pd
import pytest

from klantwaarde.segment import SegmentConfig, segment

from .handmade import AS_OF, customer, segment_rows

POLICIES = {
    "YYY": "retain and invest",
    "YYN": "improve profitability: change the mix of service, delivery and price",
    "YNY": "if the sales potential is large, grow volume",
    "YNN": "try to raise profitability and volume",
    "NYY": "keep, but invest in other customers: too little future value",
    "NYN": "size alone is not enough: stop investing",
    "NNY": "too small a contribution: stop investing",
    "NNN": "hand over: serve at minimum cost or let go",
}


def _run(path, config=None):
    with duckdb.connect(str(path)) as con:
        return segment(con, AS_OF, Decimal("1000.00"), config)


def test_pareto_smallest_set_reaching_80_then_15(mart) -> None:
    revenues = {"a": "50", "b": "30", "c": "10", "d": "5", "e": "3", "f": "2"}
    customers = [customer(k, revenue=r) for k, r in revenues.items()]
    customers += [customer("gone", revenue="0", last=AS_OF.replace(year=2024))]
    customers += [customer("prospect", revenue="0")]
    path = mart(customers)
    _run(path)
    rows = segment_rows(path, "customer_segments")
    classes = {k: rows[k]["pareto_class"] for k in revenues}
    # a + b reach exactly 80%; c + d are the next 15%; e + f the last 5%
    assert classes == {"a": "A", "b": "A", "c": "B", "d": "B", "e": "C", "f": "C"}
    # not active: 0% of window revenue, the tail (see klantwaarde.segment.pareto)
    assert rows["gone"]["pareto_class"] == "C"
    assert rows["prospect"]["pareto_class"] == "C"
    assert rows["f"]["cumulative_revenue_share"] == pytest.approx(1.0)


def test_pareto_crossing_customer_is_the_last_a(mart) -> None:
    path = mart(
        [customer(k, revenue=r) for k, r in {"a": "70", "b": "20", "c": "6", "d": "4"}.items()]
    )
    _run(path)
    rows = segment_rows(path, "customer_segments")
    # b crosses 80% (70 -> 90): A; c starts at 90 < 95: B; d starts at 96: C
    assert [rows[k]["pareto_class"] for k in "abcd"] == ["A", "A", "B", "C"]


def test_pareto_inactive_class_is_configurable(mart) -> None:
    path = mart([customer("a", revenue="10"), customer("p", revenue="0")])
    _run(path, SegmentConfig.from_mapping({"pareto": {"inactive_class": None}}))
    rows = segment_rows(path, "customer_segments")
    assert rows["a"]["pareto_class"] == "A"
    assert pd.isna(rows["p"]["pareto_class"])


def _whitney_customers() -> list[dict]:
    # 80 active customers: the top 5% = 4 are significant (big revenue)
    big = {
        "YYY": customer(
            "w_yyy", revenue="90000", contribution="9000", strategic_importance="reference"
        ),
        "YYN": customer(
            "w_yyn",
            revenue="80000",
            contribution="-500",
            open_pipeline_weighted=Decimal("50000.01"),
        ),
        "NYY": customer("w_nyy", revenue="70000", contribution="7000"),
        "NYN": customer("w_nyn", revenue="60000", contribution="0.00"),
    }
    small = {
        "YNY": customer(
            "w_yny", revenue="100", contribution="10", strategic_importance="bridgehead;network"
        ),
        "YNN": customer(
            "w_ynn", revenue="0", open_pipeline_weighted=Decimal("75000.00")
        ),  # a prospect with a big pipeline
        "NNY": customer("w_nny", revenue="100", contribution="0.01"),
        "NNN": customer(
            "w_nnn", revenue="100", contribution="-0.01", open_pipeline_weighted=Decimal("50000.00")
        ),
    }
    filler = [customer(f"f{i:02d}", revenue="1000", contribution="1") for i in range(73)]
    return [*big.values(), *small.values(), *filler]


def test_every_whitney_class_and_its_policy(mart) -> None:
    path = mart(_whitney_customers())
    summary = _run(path)
    rows = segment_rows(path, "customer_segments")
    for cls, policy in POLICIES.items():
        row = rows[f"w_{cls.lower()}"]
        assert row["whitney_class"] == cls
        assert row["whitney_action"] == policy
    # exactly 50,000.00 of pipeline is not above the threshold
    assert not rows["w_nnn"]["is_strategic_whitney"]
    assert sum(r["is_significant"] for r in rows.values()) == 4
    assert set(summary.whitney_counts) == set(POLICIES)


def test_significant_by_revenue_share(mart) -> None:
    path = mart(
        [customer("a", revenue="60"), customer("b", revenue="30"), customer("c", revenue="10")]
    )
    config = SegmentConfig.from_mapping(
        {"whitney": {"significant_method": "revenue_share", "min_revenue_share": 0.10}}
    )
    _run(path, config)
    rows = segment_rows(path, "customer_segments")
    # c has exactly 10%: not above the threshold
    assert [rows[k]["is_significant"] for k in "abc"] == [True, True, False]


def test_value_matrix_quadrants_at_the_median(mart) -> None:
    # active contributions 100, 200, 300, 400 -> median 250; satisfaction median 0.5
    customers = [
        customer("partner", revenue="500", contribution="400", rated=4, good=4),
        customer("defector", revenue="500", contribution="300", rated=4, good=1),
        customer("profiteer", revenue="500", contribution="200", rated=2, good=1),
        customer("marginal", revenue="500", contribution="100", rated=3, good=0),
        customer("unrated", revenue="500", contribution="1000"),
    ]
    path = mart(customers)
    _run(path)
    rows = segment_rows(path, "customer_segments")
    # the median of 100, 200, 300, 400, 1000 is 300: at the split point is high
    assert {k: rows[k]["value_quadrant"] for k in rows} == {
        "partner": "partner",
        "defector": "potential_defector",
        "profiteer": "profiteer",
        "marginal": "marginal",
        "unrated": "unrated",
    }
    assert rows["profiteer"]["satisfaction_share"] == pytest.approx(0.5)


def test_value_matrix_fixed_split_points(mart) -> None:
    path = mart(
        [
            customer("a", revenue="500", contribution="50", rated=10, good=9),
            customer("b", revenue="500", contribution="49.99", rated=10, good=9),
        ]
    )
    config = SegmentConfig.from_mapping(
        {"value_matrix": {"contribution_split": 50, "satisfaction_split": 0.95}}
    )
    _run(path, config)
    rows = segment_rows(path, "customer_segments")
    assert rows["a"]["value_quadrant"] == "potential_defector"
    assert rows["b"]["value_quadrant"] == "marginal"
