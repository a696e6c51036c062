"""Pareto (ABC) class by cumulative share of window revenue.

Active customers are taken in the one revenue ranking (`ranking.revenue_rank`). With C_i
the cumulative revenue of the customers ranked before customer i and R the total window
revenue of active customers:

- A if C_i < a_share x R: the smallest set of top customers whose revenue reaches 80%
  (the customer that reaches or crosses 80% is the last A);
- B if C_i < (a_share + b_share) x R: the next 15%;
- C otherwise.

Comparisons are exact (integer cents). Customers that are not active (no positive revenue
in the window: inactive and prospects) are C: they hold 0% of window revenue, so they
belong to the tail, and the contract allows only A, B and C. `curry_tier` tells them apart
from the active C customers (`inactive`, `prospect`). Set `pareto.inactive_class` to null
to leave them without a class (NULL) instead.
"""

from __future__ import annotations

import pandas as pd

from klantwaarde.segment.config import ParetoConfig
from klantwaarde.segment.ranking import below_share


def pareto_class(customers: pd.DataFrame, rank: pd.Series, config: ParetoConfig) -> pd.Series:
    """Class per customer (index of `customers`); `rank` from `revenue_rank`."""
    result = pd.Series(config.inactive_class, index=customers.index, dtype=object)
    ranked = rank.dropna().sort_values()
    if ranked.empty:
        return result
    revenue = customers.loc[ranked.index, "revenue_12m_cents"]
    total = int(revenue.sum())
    before = revenue.cumsum() - revenue
    in_a = below_share(before, total, config.a_share)
    in_ab = below_share(before, total, config.a_share + config.b_share)
    labels = pd.Series(config.label_c, index=ranked.index, dtype=object)
    labels[in_ab] = config.label_b
    labels[in_a] = config.label_a
    result.loc[ranked.index] = labels
    return result
