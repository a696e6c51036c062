"""The commercial plan: the budget split over Whitney classes, and visits per Curry tier.

Budget. Each Whitney class c gets a score

    score_c = weight_c x (a x P_c / P + (1 - a) x N_c / N)

with weight_c its policy weight (`budget.policy_weights`: invest in YYY, stop investing in
NYN, NNY, NNN ...), P_c its customers' positive window contribution (sum of
max(contribution, 0); P over all classes), N_c its customer count (N over all classes) and
a = `budget.contribution_weight`. The total is split in proportion to the scores, in whole
cents by the largest-remainder method: every class gets the floor of its exact quota
(exact fractions), and the cents left over go one each to the largest remainders; ties go
to the higher score, then to the class order YYY, YYN, ..., NNN. So the lines always add
up to the total exactly, and the same input always gives the same split. When every
score is 0 (no customer in a class with a weight) the whole budget goes to the
`unallocated` line, which is always there (0.00 otherwise).

Visits. Planned visits per customer per year by Curry tier (`visits.per_year`: top 10,
big 5, medium 2, small 0.5), times the customers in the tier, beside the visits actually
made in the window (completed CRM appointments, `visits_12m`).
"""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import pandas as pd

from klantwaarde.segment.config import WHITNEY_CLASSES, BudgetConfig, CurryConfig, VisitConfig
from klantwaarde.segment.errors import SegmentError

UNALLOCATED = "unallocated"
UNALLOCATED_ACTION = "not allocated: no customer in a class with a policy weight"


def budget_cents(budget: Decimal) -> int:
    """The total as whole cents; it must be a non-negative amount in whole cents."""
    amount = Decimal(budget)
    if not amount.is_finite() or amount < 0 or amount != amount.quantize(Decimal("0.01")):
        raise SegmentError(f"commercial budget {budget} is not a non-negative amount in cents")
    return int(amount * 100)


def largest_remainder(total: int, scores: list[Fraction]) -> list[int]:
    """Whole units in proportion to `scores`, adding up to `total` exactly. Ties of the
    remainder go to the higher score, then to the earlier position."""
    denominator = math.lcm(*(score.denominator for score in scores)) if scores else 1
    return largest_remainder_ints(
        total, [score.numerator * (denominator // score.denominator) for score in scores]
    )


def largest_remainder_ints(total: int, weights: list[int]) -> list[int]:
    """`largest_remainder` over integer weights (exact integer arithmetic)."""
    weight = sum(weights)
    if weight <= 0:
        raise ValueError("largest_remainder needs a positive total score")
    units, remainders = [], []
    for w in weights:
        unit, remainder = divmod(total * w, weight)
        units.append(unit)
        remainders.append(remainder)
    left = total - sum(units)
    order = sorted(range(len(weights)), key=lambda i: (-remainders[i], -weights[i], i))
    for i in order[:left]:
        units[i] += 1
    return units


def commercial_budget(
    segments: pd.DataFrame, total_cents: int, config: BudgetConfig
) -> pd.DataFrame:
    """One row per Whitney class (all eight) and the `unallocated` line."""
    grouped = segments.assign(
        positive_cents=segments["contribution_12m_cents"].clip(lower=0)
    ).groupby("whitney_class")
    counts = grouped.size()
    contribution = grouped["contribution_12m_cents"].sum()
    positive = grouped["positive_cents"].sum()
    n_all = int(counts.sum())
    p_all = int(positive.sum())
    a = Fraction(config.contribution_weight)

    rows, scores = [], []
    for cls in WHITNEY_CLASSES:
        n_c = int(counts.get(cls, 0))
        p_c = int(positive.get(cls, 0))
        share = Fraction(0)
        if p_all > 0:
            share += a * Fraction(p_c, p_all)
        if n_all > 0:
            share += (1 - a) * Fraction(n_c, n_all)
        score = Fraction(config.policy_weights[cls]) * share
        scores.append(score)
        rows.append(
            {
                "whitney_class": cls,
                "policy_weight": config.policy_weights[cls],
                "customer_count": n_c,
                "contribution_12m_cents": int(contribution.get(cls, 0)),
                "positive_contribution_12m_cents": p_c,
            }
        )
    amounts = (
        [*largest_remainder(total_cents, scores), 0]
        if sum(scores) > 0
        else [0] * len(WHITNEY_CLASSES) + [total_cents]
    )
    rows.append(
        {
            "whitney_class": UNALLOCATED,
            "policy_weight": Decimal(0),
            "customer_count": 0,
            "contribution_12m_cents": 0,
            "positive_contribution_12m_cents": 0,
        }
    )
    scores.append(Fraction(0))
    table = pd.DataFrame(rows)
    table["score"] = [float(s) for s in scores]
    table["budget_amount_cents"] = pd.Series(amounts, dtype="int64")
    table["budget_share"] = table["budget_amount_cents"] / total_cents if total_cents else 0.0
    table["budget_share"] = table["budget_share"].astype("float64")
    table["total_budget_cents"] = total_cents
    return table


def customer_budget(
    segments: pd.DataFrame, class_budget: pd.DataFrame, config: BudgetConfig
) -> pd.DataFrame:
    """Each class's budget split over its customers, in whole cents adding up to the class
    amount exactly (largest remainder; ties to the higher score, then customer_key).

    Score of a customer = Σ_part weight_part x its share of the class's positive part
    (contribution, CLV, potential value); without CLV (no future-value step) the CLV part
    counts as contribution. A class whose customers all score 0 is split evenly."""
    frame = segments.reset_index(drop=True)
    contribution = frame["contribution_12m_cents"].astype("int64").clip(lower=0)
    clv = frame.get("clv_cents", pd.Series(pd.NA, index=frame.index)).astype("Int64")
    clv = clv.fillna(frame["contribution_12m_cents"].astype("int64")).clip(lower=0)
    potential = (
        frame.get("potential_value_cents", pd.Series(0, index=frame.index))
        .astype("Int64").fillna(0).clip(lower=0)
    )  # fmt: skip
    parts = {"contribution": contribution, "clv": clv, "potential_value": potential}
    amounts = dict(
        zip(class_budget["whitney_class"], class_budget["budget_amount_cents"], strict=True)
    )
    rows = []
    for cls, members in frame.groupby("whitney_class", sort=True):
        ordered = members.sort_values("customer_key")
        # score_i = Σ_part weight x v_i / total_part, as integers over one denominator
        terms = []
        for part, weight in config.customer_split.items():
            values = [int(v) for v in parts[part].loc[ordered.index]]
            total = sum(values)
            share = Fraction(weight)
            if total > 0 and share > 0:
                terms.append((share, total, values))
        denominator = math.lcm(*(share.denominator * total for share, total, _ in terms))
        scores = [0] * len(ordered)
        for share, total, values in terms:
            factor = share.numerator * (denominator // (share.denominator * total))
            scores = [s + factor * v for s, v in zip(scores, values, strict=True)]
        if sum(scores) <= 0:
            scores, denominator = [1] * len(ordered), 1
        cents = largest_remainder_ints(int(amounts.get(cls, 0)), scores)
        for key, score, amount in zip(ordered["customer_key"], scores, cents, strict=True):
            rows.append((key, cls, score / denominator, amount))
    return pd.DataFrame(
        rows, columns=["customer_key", "whitney_class", "budget_score", "budget_amount_cents"]
    )


def visit_plan(segments: pd.DataFrame, curry: CurryConfig, config: VisitConfig) -> pd.DataFrame:
    """One row per Curry tier (all of them, in pyramid order)."""
    grouped = segments.groupby("curry_tier")
    counts = grouped.size()
    actual = grouped["visits_12m"].sum()
    rows = []
    for tier in curry.labels:
        n = int(counts.get(tier, 0))
        per_customer = config.per_year.get(tier, Decimal(0))
        planned = per_customer * n
        made = int(actual.get(tier, 0))
        rows.append(
            {
                "curry_tier": tier,
                "customer_count": n,
                "planned_visits_per_customer": per_customer,
                "planned_visits": planned,
                "visits_12m": made,
                "visits_per_customer_12m": made / n if n else None,
                "visit_gap": planned - made,
            }
        )
    return pd.DataFrame(rows)
