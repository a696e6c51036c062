"""Steering on future value: Whitney's "profitable" judged on CLV (or on both), and the
value matrix with CLV as the value of the customer (mart.customer_lifetime_value)."""

from __future__ import annotations

from decimal import Decimal

import duckdb

from klantwaarde.segment import SegmentConfig, segment

from .handmade import AS_OF, customer, segment_rows


def _with_clv(path, clv: dict[str, str]) -> None:
    with duckdb.connect(str(path)) as con:
        keys = dict(
            con.execute("select customer_key, customer_key from mart.dim_customer").fetchall()
        )
        con.execute(
            "create table mart.customer_lifetime_value "
            "(customer_key varchar, as_of_date date, clv decimal(18,2), "
            "potential_value decimal(18,2) default 0, expected_revenue_12m decimal(18,2))"
        )
        for key, value in clv.items():
            match = next(k for k in keys if str(k).endswith(key))
            con.execute(
                "insert into mart.customer_lifetime_value (customer_key, as_of_date, clv) "
                "values (?, ?, ?)",
                [match, AS_OF, Decimal(value)],
            )


def _run(path, config):
    with duckdb.connect(str(path)) as con:
        segment(con, AS_OF, Decimal("1000.00"), config)
    return segment_rows(path, "customer_segments")


def _customers():
    # profitable now, losing money from here on; and the other way round
    return [
        customer("fading", revenue="500", contribution="100"),
        customer("rising", revenue="500", contribution="-50"),
    ]


def test_profitable_on_current_future_or_both(mart) -> None:
    path = mart(_customers())
    _with_clv(path, {"fading": "-300", "rising": "800"})
    last_letter = {}
    for basis in ("current", "future", "both"):
        rows = _run(path, SegmentConfig.from_mapping({"whitney": {"basis": basis}}))
        last_letter[basis] = {k: rows[k]["whitney_class"][-1] for k in rows}
    assert last_letter["current"] == {"fading": "Y", "rising": "N"}
    assert last_letter["future"] == {"fading": "N", "rising": "Y"}
    assert last_letter["both"] == {"fading": "N", "rising": "N"}


def test_value_matrix_on_clv(mart) -> None:
    customers = [
        customer("a", revenue="500", contribution="400", rated=4, good=4),
        customer("b", revenue="500", contribution="100", rated=4, good=4),
    ]
    path = mart(customers)
    _with_clv(path, {"a": "10", "b": "900"})
    now = _run(path, SegmentConfig.default())
    ahead = _run(path, SegmentConfig.from_mapping({"value_matrix": {"value_basis": "clv"}}))
    assert {k: now[k]["value_quadrant"] for k in now} == {"a": "partner", "b": "profiteer"}
    assert {k: ahead[k]["value_quadrant"] for k in ahead} == {"a": "profiteer", "b": "partner"}


def test_the_budget_is_split_per_customer_and_adds_up_to_each_class(mart) -> None:
    customers = [
        customer("a", revenue="500", contribution="300"),
        customer("b", revenue="500", contribution="100"),
        customer("c", revenue="400", contribution="-20"),
    ]
    path = mart(customers)
    _with_clv(path, {"a": "100", "b": "900", "c": "50"})
    # every customer significant: a and b share the class NYY, c is NYN
    _run(
        path,
        SegmentConfig.from_mapping(
            {"whitney": {"significant_method": "revenue_share", "min_revenue_share": 0}}
        ),
    )
    with duckdb.connect(str(path)) as con:
        per_class = dict(
            con.execute(
                "select whitney_class, budget_amount from mart.commercial_budget "
                "where whitney_class <> 'unallocated'"
            ).fetchall()
        )
        summed = dict(
            con.execute(
                "select whitney_class, sum(budget_amount) from mart.customer_budget group by 1"
            ).fetchall()
        )
        amounts = dict(
            con.execute(
                "select right(customer_key, 1), budget_amount from mart.customer_budget"
            ).fetchall()
        )
        types = dict(
            con.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_name = 'customer_budget'"
            ).fetchall()
        )
    assert types["budget_amount"] == "DECIMAL(18,2)"
    # every class with customers: its customers' amounts add up to the class, to the cent
    for cls, total in summed.items():
        assert total == per_class[cls], cls
    assert sum(summed.values()) == sum(v for c, v in per_class.items() if c in summed)
    # a and b share NYY: scores 0.25 x 3/4 + 0.5 x 1/10 = 0.2375 and 0.25 x 1/4 + 0.5 x
    # 9/10 = 0.5125 (no potential value): the class budget in that ratio, to the cent
    nyy = per_class["NYY"]
    assert amounts["a"] + amounts["b"] == nyy
    assert abs(amounts["b"] / nyy - Decimal("0.5125") / Decimal("0.75")) < Decimal("0.0001")


def test_customer_split_weights_must_add_up_to_one() -> None:
    import pytest

    from klantwaarde.segment.config import SegmentConfigError

    with pytest.raises(SegmentConfigError, match="customer_split"):
        SegmentConfig.from_mapping({"budget": {"customer_split": {"contribution": 0.5}}})


def test_significant_on_expected_revenue(mart) -> None:
    # b is the bigger customer now, a is expected to be the bigger one next year
    path = mart(
        [
            customer("a", revenue="100", contribution="50"),
            customer("b", revenue="900", contribution="50"),
        ]
    )
    with duckdb.connect(str(path)) as con:
        con.execute(
            "create table mart.customer_lifetime_value (customer_key varchar, as_of_date date, "
            "clv decimal(18,2), potential_value decimal(18,2), expected_revenue_12m decimal(18,2))"
        )
        for key, ahead in (("a", "5000"), ("b", "10")):
            match = con.execute(
                "select customer_key from mart.dim_customer where customer_key like ?", [f"%{key}"]
            ).fetchone()[0]
            con.execute(
                "insert into mart.customer_lifetime_value values (?, ?, 100, 0, ?)",
                [match, AS_OF, Decimal(ahead)],
            )
    middle = {}
    for basis in ("current", "future", "both"):
        rows = _run(path, SegmentConfig.from_mapping({"whitney": {"basis": basis}}))
        middle[basis] = {k: rows[k]["whitney_class"][1] for k in rows}
    assert middle["current"] == {"a": "N", "b": "Y"}
    assert middle["future"] == {"a": "Y", "b": "N"}
    assert middle["both"] == {"a": "N", "b": "N"}
