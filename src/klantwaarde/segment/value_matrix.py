"""The klantwaarde matrix: value OF the customer against value FOR the customer.

- Vertical axis, value of the customer: window contribution (`contribution_12m`).
- Horizontal axis, value for the customer: its satisfaction, the share of good among its
  rated tickets in the window (`tickets_good_12m / tickets_rated_12m`).

Split points: `value_matrix.contribution_split` / `satisfaction_split`, a number or
`median` (default): the median contribution of active customers, and the median
satisfaction of active customers with ratings (of all rated customers when no active one
is rated). A value at or above its split point is high.

Quadrants: partner (high, high), potential_defector (high value of, low value for),
profiteer (low of, high for), marginal (low, low). Customers without rated tickets in the
window are `unrated`. The matrix is about customers, those with revenue in the window:
the others (prospects, lapsed customers) are `no_revenue`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from klantwaarde.segment.config import ValueMatrixConfig


@dataclass(frozen=True)
class MatrixSplits:
    contribution_cents: float
    satisfaction: float


def satisfaction_share(customers: pd.DataFrame) -> pd.Series:
    """good / rated in the window; NaN without ratings."""
    rated = customers["tickets_rated_12m"].astype("float64")
    good = customers["tickets_good_12m"].astype("float64")
    return (good / rated.where(rated > 0)).astype("float64")


def value_cents(customers: pd.DataFrame, config: ValueMatrixConfig) -> pd.Series:
    """The value of the customer in cents: window contribution, or CLV (`value_basis:
    clv`; the window contribution where no CLV was written)."""
    current = customers["contribution_12m_cents"].astype("float64")
    if config.value_basis == "clv" and "clv_cents" in customers:
        return customers["clv_cents"].astype("float64").fillna(current)
    return current


def splits(
    customers: pd.DataFrame, satisfaction: pd.Series, config: ValueMatrixConfig
) -> MatrixSplits:
    active = customers["is_active"].astype(bool)
    value = value_cents(customers, config)
    if config.contribution_split is not None:
        contribution = float(config.contribution_split * 100)
    elif active.any() and value[active].notna().any():
        contribution = float(value[active].median())
    else:
        contribution = 0.0
    if config.satisfaction_split is not None:
        satisfied = float(config.satisfaction_split)
    else:
        rated = satisfaction.notna()
        pool = satisfaction[rated & active] if (rated & active).any() else satisfaction[rated]
        satisfied = float(pool.median()) if not pool.empty else 1.0
    return MatrixSplits(contribution_cents=contribution, satisfaction=satisfied)


def value_quadrant(
    customers: pd.DataFrame, satisfaction: pd.Series, split: MatrixSplits, config: ValueMatrixConfig
) -> pd.Series:
    high_of = value_cents(customers, config) >= split.contribution_cents
    high_for = satisfaction >= split.satisfaction
    quadrant = np.select(
        [
            ~customers["is_active"].astype(bool),
            satisfaction.isna(),
            high_of & high_for,
            high_of & ~high_for,
            ~high_of & high_for,
        ],
        [
            config.no_revenue,
            config.unrated,
            config.partner,
            config.potential_defector,
            config.profiteer,
        ],
        default=config.marginal,
    )
    return pd.Series(quadrant, index=customers.index, dtype=object)
