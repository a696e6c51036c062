"""Purchase occasions → the repeat-purchase summary of contracts §4, computed in DuckDB.

An occasion is a day a customer was invoiced a positive net amount (the dbt model
`int_customer_purchase_occasions` nets the day's lines; any relation with the columns
customer_key, occasion_date, amount will do). From a customer's occasions up to a cut-off
date: frequency = occasions - 1, recency = first to last occasion, tenure (T) = first
occasion to the cut-off, in weeks (7 days) or days; monetary value = mean amount of the
repeat occasions (the first excluded).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import numpy as np

DAYS_PER_UNIT = {"week": 7.0, "day": 1.0}

OCCASIONS = "intermediate.int_customer_purchase_occasions"


@dataclass(frozen=True)
class Summary:
    customer_key: np.ndarray
    frequency: np.ndarray  # repeat occasions
    recency: np.ndarray  # in the time unit
    tenure: np.ndarray  # in the time unit
    monetary_value: np.ndarray  # mean of the repeat occasions; 0 without repeats
    time_unit: str
    mean_amount: np.ndarray  # mean of all occasions (the fallback's spend)
    later: np.ndarray  # occasions after the cut-off up to `until` (the holdout's actual)
    since: np.ndarray  # occasions on or after `since` up to the cut-off (the value window)

    def __len__(self) -> int:
        return len(self.customer_key)


def summarise(
    con: duckdb.DuckDBPyConnection,
    cutoff: date,
    time_unit: str = "week",
    *,
    source: str = OCCASIONS,
    until: date | None = None,
    since: date | None = None,
) -> Summary:
    """The summary per customer with an occasion up to `cutoff`, ordered by customer_key.

    `until`: also count each customer's occasions after the cut-off up to that date;
    `since`: also count its occasions from that date up to the cut-off."""
    unit = DAYS_PER_UNIT[time_unit]
    rows = con.execute(
        f"""
        with occasions as (
            -- exact sums (a DOUBLE sum depends on the order the threads add in, and
            -- a re-run would fit other last digits)
            select customer_key, occasion_date, cast(amount as decimal(18, 2)) as amount
            from {source}
        ),
        seen as (
            select
                customer_key,
                count(*) - 1                                   as frequency,
                date_diff('day', min(occasion_date), max(occasion_date)) as recency_days,
                date_diff('day', min(occasion_date), $cutoff)  as tenure_days,
                sum(amount)                                    as total,
                arg_min(amount, occasion_date)                 as first_amount,
                count(*) filter (where occasion_date >= $since) as since_count
            from occasions
            where occasion_date <= $cutoff
            group by customer_key
        ),
        later as (
            select customer_key, count(*) as later_count
            from occasions
            where occasion_date > $cutoff and occasion_date <= $until
            group by customer_key
        )
        select
            seen.customer_key, frequency, recency_days, tenure_days,
            case when frequency > 0
                 then cast(total - first_amount as double) / frequency else 0 end,
            cast(total as double) / (frequency + 1),
            coalesce(later_count, 0),
            since_count
        from seen left join later on later.customer_key = seen.customer_key
        order by seen.customer_key
        """,
        {"cutoff": cutoff, "until": until or cutoff, "since": since or date.min},
    ).fetchnumpy()
    names = list(rows)
    return Summary(
        customer_key=rows[names[0]],
        frequency=rows[names[1]].astype(float),
        recency=rows[names[2]].astype(float) / unit,
        tenure=rows[names[3]].astype(float) / unit,
        monetary_value=rows[names[4]].astype(float),
        time_unit=time_unit,
        mean_amount=rows[names[5]].astype(float),
        later=rows[names[6]].astype(float),
        since=rows[names[7]].astype(float),
    )
