"""Steering on future value: Whitney's "profitable" judged on CLV (or on both), and the
value matrix with CLV as the value of the customer (mart.customer_lifetime_value)."""

from __future__ import annotations

from decimal import Decimal

import duckdb

from klantwaarde.segment import SegmentConfig, segment

from .handmade import AS_OF, customer, segment_rows


def _with_clv(path, clv: dict[str, str]) -> None:
    with duckdb.connect(str(path)) as con:
        keys = dict(con.execute("select customer_key, customer_key from mart.dim_customer").fetchall())
        con.execute(
            "create table mart.customer_lifetime_value "
            "(customer_key varchar, as_of_date date, clv decimal(18,2))"
        )
        for key, value in clv.items():
            match = next(k for k in keys if str(k).endswith(key))
            con.execute(
                "insert into mart.customer_lifetime_value values (?, ?, ?)",
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
