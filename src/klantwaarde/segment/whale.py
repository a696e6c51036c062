"""The whale curve (Kaplan): cumulative contribution against cumulative customers.

Population: the customers of the window, those with revenue in it (`is_active`). What
the others cost is not a customer's loss and is shown apart: prospects (never bought:
CRM accounts with visits and calls, organisations with tickets) as acquisition cost, and
customers who bought before but not in the window as lapsed. The unassigned member is
never in it.

Customers are ranked by window contribution, highest first, ties by customer_key. The
curve ends at (100%, 100%) by construction (shares are exact ratios of integer cents).
The peak is the highest cumulative contribution (first rank that reaches it): "the top
23% of customers make 160% of the profit". When the total contribution is not positive
the contribution shares are undefined (NULL) and the sentence says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


def customers_of_the_window(customers: pd.DataFrame) -> pd.Series:
    """The whale-curve, attention and value-matrix population (see the module docstring)."""
    return customers["is_active"].astype(bool)


def prospects(customers: pd.DataFrame) -> pd.Series:
    """Never bought: their cost is acquisition cost."""
    return ~customers["has_bought"].astype(bool)


@dataclass(frozen=True)
class WhaleSummary:
    customer_count: int
    total_contribution_cents: int
    peak_rank: int
    peak_customer_share: float | None
    peak_contribution_share: float | None
    peak_contribution_cents: int
    loss_making_count: int
    loss_making_share: float | None
    loss_making_contribution_cents: int
    sentence: str
    prospect_count: int = 0
    acquisition_cost_cents: int = 0
    lapsed_count: int = 0
    lapsed_contribution_cents: int = 0

    def as_row(self) -> dict:
        """The `mart.whale_curve_summary` row (money in cents)."""
        return {
            "customer_count": self.customer_count,
            "total_contribution_cents": self.total_contribution_cents,
            "peak_rank": self.peak_rank,
            "peak_customer_share": self.peak_customer_share,
            "peak_contribution_share": self.peak_contribution_share,
            "peak_contribution_cents": self.peak_contribution_cents,
            "loss_making_count": self.loss_making_count,
            "loss_making_share": self.loss_making_share,
            "loss_making_contribution_cents": self.loss_making_contribution_cents,
            "summary_sentence": self.sentence,
            "prospect_count": self.prospect_count,
            "acquisition_cost_cents": self.acquisition_cost_cents,
            "lapsed_count": self.lapsed_count,
            "lapsed_contribution_cents": self.lapsed_contribution_cents,
        }


def pct(share: float | None) -> str:
    if share is None or pd.isna(share):
        return "n/a"
    if 0 < abs(share) < 0.01:
        return f"{share * 100:.1f}%"
    return f"{share * 100:.0f}%"


def whale_curve(customers: pd.DataFrame) -> tuple[pd.DataFrame, WhaleSummary]:
    """The curve (rank, customer_key, contribution, cumulative shares) and its summary."""
    inside = customers_of_the_window(customers)
    population = customers.loc[inside, ["customer_key", "contribution_12m_cents"]]
    # outside the curve: prospects with a cost, and lapsed customers with anything
    contribution = customers["contribution_12m_cents"].astype("int64")
    is_prospect = ~inside & prospects(customers) & (contribution != 0)
    is_lapsed = ~inside & ~prospects(customers) & (contribution != 0)
    apart = {
        "prospect_count": int(is_prospect.sum()),
        "acquisition_cost_cents": -int(contribution[is_prospect].sum()),
        "lapsed_count": int(is_lapsed.sum()),
        "lapsed_contribution_cents": int(contribution[is_lapsed].sum()),
    }
    curve = population.sort_values(
        ["contribution_12m_cents", "customer_key"], ascending=[False, True], kind="mergesort"
    ).reset_index(drop=True)
    n = len(curve)
    curve["rank"] = np.arange(1, n + 1, dtype="int64")
    curve["cumulative_contribution_cents"] = curve["contribution_12m_cents"].cumsum()
    total = int(curve["contribution_12m_cents"].sum())
    curve["cumulative_customer_share"] = curve["rank"] / n if n else 0.0
    if total > 0:
        curve["cumulative_contribution_share"] = (
            curve["cumulative_contribution_cents"].astype("float64") / total
        )
        # the last point is exactly 100%: the same integer divided by itself
        curve.loc[n - 1, "cumulative_contribution_share"] = 1.0
    else:
        curve["cumulative_contribution_share"] = np.nan

    losers = curve["contribution_12m_cents"] < 0
    loss_count = int(losers.sum())
    loss_cents = int(curve.loc[losers, "contribution_12m_cents"].sum())
    if n == 0:
        return curve, WhaleSummary(
            0, 0, 0, None, None, 0, 0, None, 0, "no customers with revenue in the window", **apart
        )
    peak_index = int(curve["cumulative_contribution_cents"].to_numpy().argmax())
    peak_cents = int(curve.loc[peak_index, "cumulative_contribution_cents"])
    peak_customer_share = (peak_index + 1) / n
    peak_share = peak_cents / total if total > 0 else None
    loss_share = loss_count / n
    if total > 0:
        sentence = (
            f"the top {pct(peak_customer_share)} of customers make {pct(peak_share)} of the "
            f"profit; {pct(loss_share)} of customers lose money"
        )
    else:
        sentence = (
            f"total contribution is not positive ({total / 100:.2f} EUR): no profit to share; "
            f"{pct(loss_share)} of customers lose money"
        )
    return curve, WhaleSummary(
        customer_count=n,
        total_contribution_cents=total,
        peak_rank=peak_index + 1,
        peak_customer_share=peak_customer_share,
        peak_contribution_share=peak_share,
        peak_contribution_cents=peak_cents,
        loss_making_count=loss_count,
        loss_making_share=loss_share,
        loss_making_contribution_cents=loss_cents,
        sentence=sentence,
        **apart,
    )
