"""Customer decay: new, active, declining, lapsed, lost (and prospect).

Months are counted on the mart's grain, calendar months, like the value window (the 12
calendar months ending with the as-of month): months since the last invoice = as-of month
minus the month of `last_invoice_date` (last invoice in December 2025, as of any day in
June 2026: 6, i.e. nothing in the 6 months January-June). In order of precedence:

- `prospect`: never bought (`has_bought` false).
- `lost`: no invoice for `status.lost_months` (default 12) months or more. With the
  default: last invoice before the window, so "bought before the window but not in it"
  (Curry `inactive`).
- `lapsed`: no invoice for `status.lapsed_months` (default 6) months or more, or not active
  in the window (no positive window revenue, e.g. only credit notes) while not yet lost.
- `new`: first invoice less than `status.new_months` (default 12) months ago (default:
  first invoice inside the window).
- `declining`: window revenue below (1 - `status.decline_threshold`) x the revenue of the
  12 months before (default: fell by more than 20%); needs revenue the year before.
- `active`: the other active customers.

`new`, `declining` and `active` are always active customers in the sense of the value
window (`is_active`); `lapsed` may still be active (bought 6-11 months ago).

Value lost: for a lapsed or lost customer, the monthly run rate it had: average monthly
revenue and contribution over the 12 months ending with the month of its last invoice
(`fct_customer_profitability`), in cents rounded half up. `value_lost` sums it per status
and month of last invoice (the month the customer stopped buying).
"""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import numpy as np
import pandas as pd

from klantwaarde.segment.config import StatusConfig

STATUSES = ("new", "active", "declining", "lapsed", "lost", "prospect")
LOST_STATUSES = ("lapsed", "lost")


def months_between(earlier: pd.Series, as_of: date) -> pd.Series:
    """Calendar months from the month of each date to the month of `as_of` (NA where the
    date is missing)."""
    earlier = pd.to_datetime(earlier)
    months = (as_of.year - earlier.dt.year) * 12 + (as_of.month - earlier.dt.month)
    return months.astype("Int64")


def customer_status(customers: pd.DataFrame, as_of: date, config: StatusConfig) -> pd.DataFrame:
    """status, months_since_last_invoice, revenue_change_share (index of `customers`)."""
    since_last = months_between(customers["last_invoice_date"], as_of)
    since_first = months_between(customers["first_invoice_date"], as_of)
    has_bought = customers["has_bought"].astype(bool)
    active = customers["is_active"].astype(bool)
    revenue = customers["revenue_12m_cents"]
    previous = customers["revenue_prev_12m_cents"]

    # a buyer without a last invoice date (should not happen) counts as long gone
    since_last_filled = since_last.fillna(10**6).astype("int64")
    lost = has_bought & (since_last_filled >= config.lost_months)
    lapsed = has_bought & ~lost & ((since_last_filled >= config.lapsed_months) | ~active)
    new = since_first.fillna(10**6).astype("int64") < config.new_months
    # revenue < (1 - threshold) x previous, exactly in integer cents
    num, den = Fraction(1 - config.decline_threshold).as_integer_ratio()
    declining = (previous > 0) & (revenue.astype(object) * den < previous.astype(object) * num)

    status = np.select(
        [~has_bought, lost, lapsed, new, declining],
        ["prospect", "lost", "lapsed", "new", "declining"],
        default="active",
    )
    change = (revenue / previous.where(previous != 0)).astype("float64") - 1.0
    return pd.DataFrame(
        {
            "status": pd.Series(status, index=customers.index, dtype=object),
            "months_since_last_invoice": since_last,
            "revenue_change_share": change,
        },
        index=customers.index,
    )


def value_lost(
    customers: pd.DataFrame, status: pd.Series, monthly: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per customer (lapsed/lost only): monthly_revenue_lost_cents,
    monthly_contribution_lost_cents, last_invoice_month; and the sums per status and month.

    `monthly` is `inputs.read_monthly_value` for those customers."""
    gone = customers.loc[status.isin(LOST_STATUSES), ["customer_key", "last_invoice_date"]]
    per_customer = gone.assign(
        status=status[gone.index],
        last_invoice_month=pd.to_datetime(gone["last_invoice_date"])
        .dt.to_period("M")
        .dt.to_timestamp()
        .astype("datetime64[s]"),
    ).merge(monthly, on="customer_key", how="left")
    for column in ("monthly_revenue_cents", "monthly_contribution_cents"):
        per_customer[column] = per_customer[column].fillna(0).astype("int64")
    per_month = (
        per_customer.groupby(["status", "last_invoice_month"], dropna=False)
        .agg(
            customer_count=("customer_key", "size"),
            revenue_lost_per_month_cents=("monthly_revenue_cents", "sum"),
            contribution_lost_per_month_cents=("monthly_contribution_cents", "sum"),
        )
        .reset_index()
        .sort_values(["status", "last_invoice_month"], kind="mergesort")
    )
    return per_customer, per_month
