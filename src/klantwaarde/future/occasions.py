"""Purchase occasions → the repeat-purchase summary of contracts §4.

An occasion is a day a customer was invoiced a positive net amount (the dbt model
`int_customer_purchase_occasions` nets the day's lines). From a customer's occasions up to
a cut-off date: frequency = occasions - 1, recency = first to last occasion, tenure (T) =
first occasion to the cut-off, in weeks (7 days); monetary value = mean amount of the
repeat occasions (the first excluded).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

DAYS_PER_UNIT = {"week": 7.0, "day": 1.0}


@dataclass(frozen=True)
class Summary:
    customer_key: np.ndarray
    frequency: np.ndarray  # repeat occasions
    recency: np.ndarray  # in the time unit
    tenure: np.ndarray  # in the time unit
    monetary_value: np.ndarray  # mean of the repeat occasions; 0 without repeats
    time_unit: str
    mean_amount: np.ndarray  # mean of all occasions (the fallback's spend)

    def __len__(self) -> int:
        return len(self.customer_key)


def summarise(occasions: pd.DataFrame, cutoff: date, time_unit: str = "week") -> Summary:
    """`occasions`: columns customer_key, occasion_date, amount (one row per occasion)."""
    unit = DAYS_PER_UNIT[time_unit]
    seen = occasions[occasions["occasion_date"] <= pd.Timestamp(cutoff)]
    seen = seen.sort_values(["customer_key", "occasion_date"], kind="stable")
    grouped = seen.groupby("customer_key", sort=True)
    first = grouped["occasion_date"].min()
    last = grouped["occasion_date"].max()
    count = grouped["occasion_date"].count()
    total = grouped["amount"].sum().astype(float)
    first_amount = grouped["amount"].first().astype(float)
    frequency = (count - 1).to_numpy(dtype=float)
    repeat_total = (total - first_amount).to_numpy(dtype=float)
    monetary = np.divide(
        repeat_total, frequency, out=np.zeros_like(repeat_total), where=frequency > 0
    )
    cut = pd.Timestamp(cutoff)
    return Summary(
        customer_key=first.index.to_numpy(),
        frequency=frequency,
        recency=((last - first).dt.days.to_numpy(dtype=float)) / unit,
        tenure=((cut - first).dt.days.to_numpy(dtype=float)) / unit,
        monetary_value=monetary,
        time_unit=time_unit,
        mean_amount=(total / count).to_numpy(dtype=float),
    )


def occasions_between(occasions: pd.DataFrame, after: date, until: date) -> pd.Series:
    """Occasions per customer with after < date <= until (the holdout's actual count)."""
    window = occasions[
        (occasions["occasion_date"] > pd.Timestamp(after))
        & (occasions["occasion_date"] <= pd.Timestamp(until))
    ]
    return window.groupby("customer_key")["occasion_date"].count()
