"""Jay Curry's customer pyramid.

Active customers in the one revenue ranking (window revenue desc, customer_key asc) are cut
into tiers of whole counts: with n active customers the first tier holds ranks
1..ceil(1% x n), the second up to ceil(5% x n), the third up to ceil(20% x n) (cumulative
shares, exact fractions, capped at n; see `ranking.cumulative_counts`), the rest is
`small`. So n = 1 gives one `top`; n = 7 gives top 1, big 0, medium 1, small 5; n = 100
gives 1, 4, 15, 80; n = 1001 gives 11, 40, 150, 800.

Customers that are not active: `inactive` if they bought before (value window
`has_bought`), `prospect` if they never bought, whatever their CRM type says.
"""

from __future__ import annotations

import pandas as pd

from klantwaarde.segment.config import CurryConfig
from klantwaarde.segment.ranking import cumulative_counts


def curry_tier(customers: pd.DataFrame, rank: pd.Series, config: CurryConfig) -> pd.Series:
    """Tier label per customer (index of `customers`); `rank` from `revenue_rank`."""
    n = int(rank.notna().sum())
    bounds = cumulative_counts(n, (share for _, share in config.tiers))
    result = pd.Series(config.prospect_label, index=customers.index, dtype=object)
    result[customers["has_bought"].astype(bool)] = config.inactive_label
    ranked = rank.dropna()
    labels = pd.Series(config.rest_label, index=ranked.index, dtype=object)
    # assign from the bottom tier up so that the higher tiers win
    for (label, _), bound in reversed(list(zip(config.tiers, bounds, strict=True))):
        labels[ranked <= bound] = label
    result.loc[ranked.index] = labels
    return result
