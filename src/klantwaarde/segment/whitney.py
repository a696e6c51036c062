"""Whitney's qualification: Strategic, Significant, Profitable, each Y or N.

- Strategic: the CRM `strategic_importance` is set (not empty), or the weighted open
  pipeline (`open_pipeline_weighted`) is above `whitney.pipeline_threshold` (EUR).
- Significant, by `whitney.significant_method`:
  `top_customers` (default): in the first ceil(top_customer_share x n) of the n active
  customers in the one revenue ranking (same rounding as the Curry tiers, so with the
  defaults Significant = Curry top + big);
  `revenue_share`: own window revenue above min_revenue_share x total window revenue.
  A customer that is not active is never significant.
- Profitable: window contribution above `whitney.profit_threshold` (default 0.00).

The class is the three letters (e.g. `YYN`); the action is the policy of that class from
`whitney.actions`. Every customer (active or not, prospects included) gets a class.
"""

from __future__ import annotations

import pandas as pd

from klantwaarde.segment.config import WhitneyConfig
from klantwaarde.segment.ranking import above_share, cents, cumulative_counts


def whitney_flags(customers: pd.DataFrame, rank: pd.Series, config: WhitneyConfig) -> pd.DataFrame:
    """Columns is_strategic_whitney, is_significant, is_profitable, whitney_class,
    whitney_action (index of `customers`)."""
    strategic = customers["strategic_importance"].notna() | (
        customers["open_pipeline_weighted_cents"] > cents(config.pipeline_threshold)
    )
    active = rank.notna()
    if config.significant_method == "top_customers":
        (bound,) = cumulative_counts(int(active.sum()), [config.top_customer_share])
        significant_now = active & rank.le(bound).fillna(False).astype(bool)
    else:
        total = int(customers.loc[active, "revenue_12m_cents"].sum())
        significant_now = active & above_share(
            customers["revenue_12m_cents"], total, config.min_revenue_share
        )
    significant = {
        "current": significant_now,
        "future": _significant_ahead(customers, config, significant_now),
        "both": significant_now & _significant_ahead(customers, config, significant_now),
    }[config.basis]
    threshold = cents(config.profit_threshold)
    current = customers["contribution_12m_cents"] > threshold
    # CLV where the future-value step wrote one; the current judgement where it did not
    clv = customers.get("clv_cents", pd.Series(pd.NA, index=customers.index, dtype="Int64"))
    future = (clv > threshold).where(clv.notna(), current).astype(bool)
    profitable = {"current": current, "future": future, "both": current & future}[config.basis]

    def letter(flag: pd.Series) -> pd.Series:
        return flag.astype(bool).map({True: "Y", False: "N"}).astype(object)

    whitney_class = letter(strategic) + letter(significant) + letter(profitable)
    return pd.DataFrame(
        {
            "is_strategic_whitney": strategic.astype(bool),
            "is_significant": significant.astype(bool),
            "is_profitable": profitable.astype(bool),
            "whitney_class": whitney_class,
            "whitney_action": whitney_class.map(dict(config.actions)).astype(object),
        },
        index=customers.index,
    )


def _significant_ahead(
    customers: pd.DataFrame, config: WhitneyConfig, current: pd.Series
) -> pd.Series:
    """Significant on expected revenue over the next 12 months (the future-value step's
    `expected_revenue_12m`), by the same method and shares as on window revenue; the
    current judgement where no future value was written."""
    ahead = customers.get("expected_revenue_12m_cents")
    if ahead is None or ahead.isna().all():
        return current
    ahead = ahead.fillna(0).astype("int64")
    buying = ahead > 0
    if config.significant_method == "top_customers":
        ordered = (
            customers.loc[buying]
            .assign(_ahead=ahead[buying])
            .sort_values(["_ahead", "customer_key"], ascending=[False, True], kind="mergesort")
        )
        (bound,) = cumulative_counts(int(buying.sum()), [config.top_customer_share])
        top = pd.Series(False, index=customers.index)
        top.loc[ordered.index[:bound]] = True
        return top
    return buying & above_share(ahead, int(ahead[buying].sum()), config.min_revenue_share)
