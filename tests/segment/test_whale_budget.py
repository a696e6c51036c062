"""The whale curve, the attention rule, the commercial budget and the visit plan."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import duckdb
import pytest

from klantwaarde.segment import SegmentError, segment
from klantwaarde.segment.config import SegmentConfig
from klantwaarde.segment.plan import budget_cents, largest_remainder

from .handmade import AS_OF, customer


def _budget(path) -> dict[str, tuple[Decimal, Decimal]]:
    """whitney_class -> (budget_amount, total_budget) as exact Decimals."""
    with duckdb.connect(str(path)) as con:
        rows = con.execute(
            "select whitney_class, budget_amount, total_budget from mart.commercial_budget "
            "where as_of_date = ?",
            [AS_OF],
        ).fetchall()
    return {cls: (amount, total) for cls, amount, total in rows}


def _tables(path, *tables):
    with duckdb.connect(str(path)) as con:
        return [
            con.execute(f"select * from mart.{t} where as_of_date = ?", [AS_OF]).df()
            for t in tables
        ]


def test_whale_curve_peak_and_end(mart) -> None:
    contributions = {"a": "100.00", "b": "60.00", "c": "20.00", "d": "-30.00", "e": "-50.00"}
    customers = [customer(k, revenue="500", contribution=c) for k, c in contributions.items()]
    customers.append(customer("untouched", revenue="0"))  # a prospect with nothing: not served
    path = mart(customers)
    with duckdb.connect(str(path)) as con:
        summary = segment(con, AS_OF, Decimal("0.00"))
    curve, head = _tables(path, "whale_curve", "whale_curve_summary")
    curve = curve.sort_values("rank")
    assert list(curve["customer_key"]) == ["a", "b", "c", "d", "e"]
    assert list(curve["cumulative_contribution"]) == [
        Decimal(x) for x in ("100.00", "160.00", "180.00", "150.00", "100.00")
    ]
    assert curve["cumulative_customer_share"].iloc[-1] == 1.0
    assert curve["cumulative_contribution_share"].iloc[-1] == 1.0
    row = head.iloc[0]
    assert row["peak_rank"] == 3
    assert row["peak_customer_share"] == pytest.approx(0.6)
    assert row["peak_contribution_share"] == pytest.approx(1.8)
    assert row["peak_contribution"] == Decimal("180.00")
    assert row["loss_making_share"] == pytest.approx(0.4)
    assert row["loss_making_contribution"] == Decimal("-80.00")
    assert row["summary_sentence"] == (
        "the top 60% of customers make 180% of the profit; 40% of customers lose money"
    )
    assert summary.whale_sentence == row["summary_sentence"]


def test_the_curve_holds_customers_with_revenue_and_prospects_cost_apart(mart) -> None:
    """Prospects with visits and tickets are not loss-making customers: their cost is
    acquisition cost; a customer without revenue in the window is lapsed, apart too; the
    value matrix places neither."""
    customers = [
        customer("a", revenue="500", contribution="100.00"),
        customer("b", revenue="500", contribution="-20.00"),
        customer("p1", revenue="0", contribution="-30.00", effort=120, has_bought=False),
        customer("p2", revenue="0", contribution="-12.50", effort=60, has_bought=False),
        customer("p3", revenue="0", has_bought=False),
        customer("gone", revenue="0", contribution="-7.00", effort=30, has_bought=True),
    ]
    path = mart(customers)
    with duckdb.connect(str(path)) as con:
        summary = segment(con, AS_OF, Decimal("0.00"))
    curve, head, segments, attention = _tables(
        path, "whale_curve", "whale_curve_summary", "customer_segments", "attention_profit"
    )
    assert sorted(curve["customer_key"]) == ["a", "b"]
    row = head.iloc[0]
    assert (row["customer_count"], row["loss_making_count"]) == (2, 1)
    assert (row["prospect_count"], row["acquisition_cost"]) == (2, Decimal("42.50"))
    assert (row["lapsed_count"], row["lapsed_contribution"]) == (1, Decimal("-7.00"))
    assert summary.whale_sentence.endswith("50% of customers lose money")
    quadrant = dict(zip(segments["customer_key"], segments["value_quadrant"], strict=True))
    assert {k for k, q in quadrant.items() if q == "no_revenue"} == {"p1", "p2", "p3", "gone"}
    assert not attention.empty


def test_whale_curve_without_profit_says_so(mart) -> None:
    path = mart([customer("a", revenue="10", contribution="-5")])
    with duckdb.connect(str(path)) as con:
        summary = segment(con, AS_OF, Decimal("0.00"))
    assert summary.whale_sentence.startswith("total contribution is not positive")


def test_attention_to_the_least_profitable(mart) -> None:
    # effort 10 customers: the three least profitable take 80 of 100 minutes
    customers = [
        customer("loss1", revenue="100", contribution="-40", effort=40),
        customer("loss2", revenue="100", contribution="-10", effort=25),
        customer("thin", revenue="100", contribution="5", effort=15),
        customer("good", revenue="100", contribution="45", effort=10),
        customer("best", revenue="100", contribution="100", effort=10),
    ]
    path = mart(customers)
    with duckdb.connect(str(path)) as con:
        segment(con, AS_OF, Decimal("0.00"))
    (attention,) = _tables(path, "attention_profit")
    least = attention.set_index("rule").loc["least_profit_attention"]
    assert least["customer_count"] == 3
    assert least["effort_share"] == pytest.approx(0.8)
    assert least["contribution"] == Decimal("-45.00")
    assert least["contribution_share"] == pytest.approx(-0.45)
    assert least["sentence"] == (
        "80% of the attention goes to the 60% of customers that give the least profit; "
        "together they make -45% of the profit"
    )
    top = attention.set_index("rule").loc["top_profit_attention"]
    assert top["customer_count"] == 1  # ceil(20% of 5)
    assert top["contribution_share"] == pytest.approx(1.0)
    assert top["effort_share"] == pytest.approx(0.1)


@pytest.mark.parametrize("total", [0, 1, 7, 99_999, 100_000_000, 123_456_789])
def test_largest_remainder_sums_exactly(total: int) -> None:
    scores = [Fraction(1, 3), Fraction(1, 3), Fraction(1, 3), Fraction(0), Fraction(2, 7)]
    units = largest_remainder(total, scores)
    assert sum(units) == total
    assert units[3] == 0
    assert largest_remainder(total, scores) == units  # deterministic
    # ties of the remainder go to the earlier position among equal scores
    assert units[0] >= units[1] >= units[2]
    assert max(units[:3]) - min(units[:3]) <= 1


def test_budget_sums_to_the_total_exactly(mart) -> None:
    customers = [
        customer("yyy", revenue="9000", contribution="900", strategic_importance="reference"),
        customer("yny", revenue="10", contribution="3.33", strategic_importance="learning"),
        customer("ynn", revenue="0", open_pipeline_weighted=Decimal("80000")),
        # 19 active customers: only the first (yyy) is in the top 5%
        *[customer(f"n{i}", revenue="100", contribution="1.01") for i in range(17)],
    ]
    path = mart(customers)
    for budget in ("0.07", "333333.33", "0.00"):
        with duckdb.connect(str(path)) as con:
            segment(con, AS_OF, Decimal(budget))
        table = _budget(path)
        assert all(isinstance(amount, Decimal) for amount, _ in table.values())
        assert sum((amount for amount, _ in table.values()), Decimal(0)) == Decimal(budget)
        assert {total for _, total in table.values()} == {Decimal(budget)}
        assert len(table) == 9  # eight classes and `unallocated`
        # stop-investing classes get nothing
        assert table["NNY"][0] == Decimal("0.00")
        assert table["unallocated"][0] == Decimal("0.00")
    # the exact split of 1,000,000.00 under the default policy, checked by hand:
    # P = 900 + 3.33 + 17.17 = 920.50, N = 20; score = w x (P_c/P + N_c/N) / 2
    with duckdb.connect(str(path)) as con:
        segment(con, AS_OF, Decimal("1000000.00"))
    amounts = {cls: amount for cls, (amount, _) in _budget(path).items()}
    scores = {
        "YYY": Fraction(1) * (Fraction(90000, 92050) + Fraction(1, 20)) / 2,
        "YNY": Fraction(3, 4) * (Fraction(333, 92050) + Fraction(1, 20)) / 2,
        "YNN": Fraction(1, 2) * (Fraction(0) + Fraction(1, 20)) / 2,
    }
    quota = {k: 100_000_000 * s / sum(scores.values()) for k, s in scores.items()}
    assert sum(amounts[cls] for cls in scores) == Decimal("1000000.00")
    for cls, q in quota.items():
        assert abs(amounts[cls] * 100 - Decimal(q.numerator) / Decimal(q.denominator)) < 1


def test_budget_goes_unallocated_when_no_class_can_take_it(mart) -> None:
    path = mart([customer("a", revenue="100", contribution="-1")])  # NYN: weight 0
    with duckdb.connect(str(path)) as con:
        segment(con, AS_OF, Decimal("500.00"))
    amounts = {cls: amount for cls, (amount, _) in _budget(path).items()}
    assert amounts["unallocated"] == Decimal("500.00")
    assert sum(amounts.values(), Decimal(0)) == Decimal("500.00")


@pytest.mark.parametrize("bad", ["-1.00", "0.001", "NaN"])
def test_budget_must_be_whole_cents(bad: str) -> None:
    with pytest.raises(SegmentError):
        budget_cents(Decimal(bad))


def test_visit_plan_per_tier(mart) -> None:
    # 100 active customers: top 1, big 4, medium 15, small 80
    customers = [customer(f"c{i:03d}", revenue=str(1000 - i), visits=i % 3) for i in range(100)]
    customers.append(customer("p", revenue="0"))
    path = mart(customers)
    config = SegmentConfig.from_mapping({"visits": {"per_year": {"small": 1}}})
    with duckdb.connect(str(path)) as con:
        segment(con, AS_OF, Decimal("0.00"), config)
    (plan,) = _tables(path, "visit_plan")
    plan = plan.set_index("curry_tier")
    assert list(plan.index) == ["top", "big", "medium", "small", "inactive", "prospect"]
    assert list(plan["planned_visits"]) == [Decimal(x) for x in ("10", "20", "30", "80", "0", "0")]
    assert plan.loc["top", "visits_12m"] == 0  # c000 made 0 visits
    assert plan["visits_12m"].sum() == sum(i % 3 for i in range(100))
    assert plan.loc["big", "visit_gap"] == Decimal(20 - (1 + 2 + 0 + 1))
