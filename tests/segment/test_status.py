"""Customer status (decay) and the value lost by lapsed and lost customers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import duckdb
import pandas as pd
import pytest

from klantwaarde.segment import SegmentConfig, segment
from klantwaarde.segment.status import months_between

from .handmade import AS_OF, customer, segment_rows

# as of 2026-06-30
HISTORIES = [
    # key, expected status, customer fields
    ("new", "new", {"first": date(2026, 2, 1), "last": date(2026, 6, 1), "revenue_prev": "0"}),
    ("steady", "active", {"revenue": "1000", "revenue_prev": "900"}),
    ("down30", "declining", {"revenue": "700", "revenue_prev": "1000"}),
    ("down20", "active", {"revenue": "800", "revenue_prev": "1000"}),  # exactly -20%: not below
    ("down20plus", "declining", {"revenue": "799.99", "revenue_prev": "1000"}),
    ("quiet5", "active", {"last": date(2026, 1, 1)}),  # nothing in February-June: 5
    ("quiet6", "lapsed", {"last": date(2025, 12, 31)}),  # nothing in January-June: 6
    ("quiet11", "lapsed", {"last": date(2025, 7, 1), "revenue": "300"}),  # window's 1st month
    ("gone12", "lost", {"revenue": "0", "last": date(2025, 6, 30)}),  # before the window
    ("gone3y", "lost", {"revenue": "0", "last": date(2023, 5, 10)}),
    ("credits", "lapsed", {"revenue": "-20", "last": date(2026, 3, 1)}),  # only a credit note
    ("prospect", "prospect", {"revenue": "0"}),
]


@pytest.fixture
def statuses(mart):
    months = [
        ("gone12", date(2024, 7 + m, 1) if m < 6 else date(2025, m - 5, 1), "100.00", "10.00")
        for m in range(12)
    ]
    months += [("gone12", date(2024, 6, 1), "999.00", "99.00")]  # before its last 12 months
    months += [("quiet6", date(2025, m, 1), "50.00", "-5.00") for m in (10, 11, 12)]
    path = mart([customer(key, **fields) for key, _, fields in HISTORIES], months=months)
    with duckdb.connect(str(path)) as con:
        summary = segment(con, AS_OF, Decimal("0.00"))
    return path, summary


def test_statuses_on_hand_made_histories(statuses) -> None:
    path, summary = statuses
    rows = segment_rows(path, "customer_status")
    assert {key: rows[key]["status"] for key, _, _ in HISTORIES} == {
        key: expected for key, expected, _ in HISTORIES
    }
    assert rows["quiet6"]["months_since_last_invoice"] == 6
    assert rows["down30"]["revenue_change_share"] == pytest.approx(-0.3)
    assert summary.status_counts["lost"] == 2
    # the same status in customer_segments
    segments = segment_rows(path, "customer_segments")
    assert all(segments[k]["status"] == rows[k]["status"] for k in rows)
    # lost (default 12 months) are Curry's inactive; so is a buyer whose window revenue is
    # not positive (only a credit note), which is lapsed
    inactive = {k for k in segments if segments[k]["curry_tier"] == "inactive"}
    assert inactive == {k for k in rows if rows[k]["status"] == "lost"} | {"credits"}


def test_value_lost_per_month(statuses) -> None:
    path, _ = statuses
    with duckdb.connect(str(path)) as con:
        per_customer = dict(
            con.execute(
                "select customer_key, monthly_revenue_lost from mart.customer_status "
                "where monthly_revenue_lost is not null"
            ).fetchall()
        )
        per_month = con.execute(
            "select status, last_invoice_month, customer_count, revenue_lost_per_month, "
            "contribution_lost_per_month from mart.customer_value_lost "
            "order by status, last_invoice_month"
        ).fetchall()
    # gone12: 12 months of 100.00 ending with its last month (June 2025)
    assert per_customer["gone12"] == Decimal("100.00")
    # quiet6: 3 x 50.00 in its last 12 months -> 12.50 a month
    assert per_customer["quiet6"] == Decimal("12.50")
    assert set(per_customer) == {"gone12", "gone3y", "quiet6", "quiet11", "credits"}
    assert per_customer["gone3y"] == Decimal("0.00")  # no monthly history at hand
    assert ("lost", date(2025, 6, 1), 1, Decimal("100.00"), Decimal("10.00")) in per_month
    assert ("lapsed", date(2025, 12, 1), 1, Decimal("12.50"), Decimal("-1.25")) in per_month
    assert sum(row[2] for row in per_month) == 5


def test_status_thresholds_are_configuration(mart) -> None:
    path = mart(
        [
            customer("a", revenue="850", revenue_prev="1000"),
            customer("b", last=date(2026, 3, 15)),
            customer("c", revenue="0", last=date(2025, 3, 1)),
        ]
    )
    config = SegmentConfig.from_mapping(
        {"status": {"decline_threshold": 0.10, "lapsed_months": 3, "lost_months": 18}}
    )
    with duckdb.connect(str(path)) as con:
        segment(con, AS_OF, Decimal("0.00"), config)
    rows = segment_rows(path, "customer_status")
    # c: 15 months without an invoice is lapsed, not yet lost, with lost_months 18
    assert [rows[k]["status"] for k in "abc"] == ["declining", "lapsed", "lapsed"]


def test_months_between_counts_calendar_months() -> None:
    dates = pd.Series(pd.to_datetime(["2026-01-31", "2025-12-01", "2026-06-30", None]))
    assert list(months_between(dates, date(2026, 6, 1)).astype(object)) == [5, 6, 0, pd.NA]
    assert months_between(pd.Series(pd.to_datetime(["2025-06-30"])), date(2026, 6, 1))[0] == 12


def test_lost_is_inactive_for_a_mid_month_as_of(mart) -> None:
    # as of 15 June the window is July 2025 - June 2026 (calendar months)
    as_of = date(2026, 6, 15)
    path = mart(
        [
            customer("june_last_year", revenue="0", last=date(2025, 6, 20)),
            customer("july_last_year", revenue="10", last=date(2025, 7, 1)),
        ],
        as_of=as_of,
    )
    with duckdb.connect(str(path)) as con:
        segment(con, as_of, Decimal("0.00"))
    segments = segment_rows(path, "customer_segments", as_of)
    assert segments["june_last_year"]["curry_tier"] == "inactive"
    assert segments["june_last_year"]["status"] == "lost"
    assert segments["july_last_year"]["status"] == "lapsed"
