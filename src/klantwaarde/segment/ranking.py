"""The one revenue ranking of active customers, and exact whole-count tier boundaries.

Ranking: active customers (`is_active` from the value window) by window revenue, highest
first; ties broken by `customer_key` ascending. Customers that are not active have no rank.

Boundaries: a tier list of shares (e.g. 1%, 4%, 15%) becomes cumulative whole counts
`ceil(n x cumulative share)`, each capped at n, computed with exact fractions (never
floats: 100 x 0.05 in binary floating point is 5.000000000000001 and would ceil to 6).
So the first tier holds at least its share (n = 1: the one customer is in the first tier),
the counts never decrease, never exceed n, and the sizes always add up to n.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from decimal import Decimal
from fractions import Fraction
from itertools import pairwise

import numpy as np
import pandas as pd


def revenue_rank(customers: pd.DataFrame) -> pd.Series:
    """1..n for active customers by `revenue_12m_cents` desc, `customer_key` asc; NA else."""
    active = customers.loc[customers["is_active"], ["revenue_12m_cents", "customer_key"]]
    ordered = active.sort_values(
        ["revenue_12m_cents", "customer_key"], ascending=[False, True], kind="mergesort"
    )
    rank = pd.Series(pd.NA, index=customers.index, dtype="Int64")
    rank.loc[ordered.index] = np.arange(1, len(ordered) + 1, dtype="int64")
    return rank


def cumulative_counts(n: int, shares: Iterable[Decimal]) -> list[int]:
    """Cumulative whole counts for consecutive tiers of the given shares of n customers."""
    bounds, cumulative = [], Fraction(0)
    for share in shares:
        cumulative += Fraction(share)
        bounds.append(min(n, math.ceil(n * cumulative)))
    return bounds


def tier_sizes(n: int, shares: Iterable[Decimal]) -> list[int]:
    """Sizes of the tiers and, last, of the rest; they add up to n."""
    bounds = cumulative_counts(n, shares)
    edges = [0, *bounds, n]
    return [hi - lo for lo, hi in pairwise(edges)]


def below_share(cumulative: pd.Series, total: int, share: Decimal) -> pd.Series:
    """Exactly `cumulative < share x total` for integer cents (Python ints: no overflow)."""
    num, den = Fraction(share).as_integer_ratio()
    return (cumulative.astype(object) * den < num * total).astype(bool)


def above_share(amount: pd.Series, total: int, share: Decimal) -> pd.Series:
    """Exactly `amount > share x total` for integer cents."""
    num, den = Fraction(share).as_integer_ratio()
    return (amount.astype(object) * den > num * total).astype(bool)


def cents(amount: Decimal) -> int:
    """EUR as whole cents (a threshold from the config)."""
    return int((Decimal(amount) * 100).to_integral_value())
