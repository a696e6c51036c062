"""Segmentation: turn the profitability mart into commercial policy.

`segment(con, as_of, budget)` reads `mart.dim_customer` and
`mart.fct_customer_value_window` (the 12-month window ending on the as-of date, where
"active customer" is defined) and `mart.fct_customer_profitability`, and writes, for that
as-of date (replacing earlier rows of the same date, keeping other dates):

- `mart.customer_segments`: Pareto class, Curry tier, Whitney class and action, value
  quadrant per customer (`pareto`, `curry`, `whitney`, `value_matrix`);
- `mart.whale_curve`, `mart.whale_curve_summary` (`whale`);
- `mart.segment_summary` and `mart.attention_profit` (`summary`, `attention`);
- `mart.customer_status`, `mart.customer_value_lost` (`status`);
- `mart.commercial_budget` (per Whitney class), `mart.customer_budget` (per customer),
  `mart.visit_plan` (`plan`).

The unassigned member is not a customer: it is kept out of every segment and reported as
its own row (`dimension = 'total', segment = 'unassigned'`) in `segment_summary`.
Settings: `SegmentConfig` (defaults in the shipped `config/settings.yml`; a run passes
its config folder's).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import duckdb
import pandas as pd

from klantwaarde.segment.attention import attention_profit
from klantwaarde.segment.config import SegmentConfig
from klantwaarde.segment.curry import curry_tier
from klantwaarde.segment.errors import SegmentConfigError, SegmentError
from klantwaarde.segment.inputs import read_customers, read_monthly_value
from klantwaarde.segment.pareto import pareto_class
from klantwaarde.segment.plan import (
    UNALLOCATED,
    UNALLOCATED_ACTION,
    budget_cents,
    commercial_budget,
    customer_budget,
    visit_plan,
)
from klantwaarde.segment.ranking import revenue_rank
from klantwaarde.segment.status import LOST_STATUSES, customer_status, value_lost
from klantwaarde.segment.summary import segment_summary
from klantwaarde.segment.value_matrix import satisfaction_share, splits, value_quadrant
from klantwaarde.segment.whale import whale_curve
from klantwaarde.segment.whitney import whitney_flags
from klantwaarde.segment.write import write_results

__all__ = [
    "SegmentConfig",
    "SegmentConfigError",
    "SegmentError",
    "SegmentSummary",
    "classify",
    "segment",
]


@dataclass(frozen=True)
class SegmentSummary:
    """What one segmentation run did, for the CLI, the DAG log and the tests."""

    as_of: date
    customer_count: int
    active_count: int
    unassigned_revenue_12m: Decimal
    unassigned_contribution_12m: Decimal
    curry_counts: dict[str, int]
    whitney_counts: dict[str, int]
    pareto_counts: dict[str, int]
    status_counts: dict[str, int]
    whale_sentence: str
    attention_sentence: str
    budget_total: Decimal
    rows_written: dict[str, int] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """A short human-readable report."""
        return [
            f"segmented {self.customer_count} customers ({self.active_count} active) "
            f"as of {self.as_of.isoformat()}",
            f"curry tiers: {self.curry_counts}",
            f"whitney classes: {self.whitney_counts}",
            f"whale curve: {self.whale_sentence}",
            f"attention: {self.attention_sentence}",
            f"unassigned (not segmented): revenue {self.unassigned_revenue_12m} EUR, "
            f"contribution {self.unassigned_contribution_12m} EUR",
            f"commercial budget {self.budget_total} EUR split over Whitney classes",
        ]


def _eur(cents: int) -> Decimal:
    return (Decimal(int(cents)) / 100).quantize(Decimal("0.01"))


def _counts(series: pd.Series) -> dict[str, int]:
    return {str(k): int(v) for k, v in series.value_counts(dropna=False).sort_index().items()}


def classify(customers: pd.DataFrame, as_of: date, config: SegmentConfig) -> pd.DataFrame:
    """The per-customer classes for segmented customers (no I/O): one row per customer of
    `customers` (an `inputs.read_customers` frame without the unassigned member)."""
    frame = customers.copy()
    rank = revenue_rank(frame)
    frame["revenue_rank"] = rank
    active_revenue = int(frame.loc[frame["is_active"], "revenue_12m_cents"].sum())
    ordered = frame.loc[rank.dropna().sort_values().index, "revenue_12m_cents"]
    frame["revenue_share"] = (
        frame["revenue_12m_cents"].where(frame["is_active"]) / active_revenue
        if active_revenue
        else float("nan")
    )
    frame["cumulative_revenue_share"] = (
        (ordered.cumsum() / active_revenue).reindex(frame.index) if active_revenue else None
    )
    frame["pareto_class"] = pareto_class(frame, rank, config.pareto)
    frame["curry_tier"] = curry_tier(frame, rank, config.curry)
    frame = frame.join(whitney_flags(frame, rank, config.whitney))
    satisfaction = satisfaction_share(frame)
    frame["satisfaction_share"] = satisfaction
    frame["value_quadrant"] = value_quadrant(
        frame, satisfaction, splits(frame, satisfaction, config.value_matrix), config.value_matrix
    )
    frame = frame.join(customer_status(frame, as_of, config.status))
    frame["planned_visits_per_year"] = frame["curry_tier"].map(dict(config.visits.per_year))
    return frame


def _value_lost(
    con: duckdb.DuckDBPyConnection, frame: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """`frame` with the monthly value lost per lapsed/lost customer, and the sums per
    status and month of last invoice."""
    gone = frame["status"].isin(LOST_STATUSES)
    last_months = pd.DataFrame(
        {
            "customer_key": frame.loc[gone, "customer_key"],
            "last_month": pd.to_datetime(frame.loc[gone, "last_invoice_date"])
            .dt.to_period("M")
            .dt.to_timestamp()
            .dt.date,
        }
    )
    per_customer, per_month = value_lost(
        frame, frame["status"], read_monthly_value(con, last_months)
    )
    by_key = per_customer.set_index("customer_key")
    with_value_lost = frame.assign(
        monthly_revenue_lost_cents=frame["customer_key"]
        .map(by_key["monthly_revenue_cents"])
        .astype("Int64"),
        monthly_contribution_lost_cents=frame["customer_key"]
        .map(by_key["monthly_contribution_cents"])
        .astype("Int64"),
    )
    return with_value_lost, per_month


def segment(
    con: duckdb.DuckDBPyConnection,
    as_of: date,
    budget: Decimal,
    config: SegmentConfig | None = None,
) -> SegmentSummary:
    """Segment the mart as of `as_of`, split `budget` (EUR), write the results to `mart`.

    Without `config`: the shipped defaults (`SegmentConfig.default()`); a run passes its
    config folder's settings."""
    config = config or SegmentConfig.default()
    total_cents = budget_cents(budget)
    inputs = read_customers(con, as_of)
    everyone = inputs.customers
    unassigned = everyone[everyone["is_unassigned"]]
    frame = classify(everyone[~everyone["is_unassigned"]], as_of, config)

    status_frame, value_lost_per_month = _value_lost(con, frame)
    curve, whale = whale_curve(frame)
    attention = attention_profit(frame, config.attention)
    budget_table = commercial_budget(frame, total_cents, config.budget)
    budget_table["whitney_action"] = budget_table["whitney_class"].map(
        {**config.whitney.actions, UNALLOCATED: UNALLOCATED_ACTION}
    )

    written = write_results(
        con,
        as_of,
        {
            "customer_segments": frame,
            "whale_curve": curve,
            "whale_curve_summary": pd.DataFrame([whale.as_row()]),
            "segment_summary": segment_summary(frame, unassigned, config),
            "attention_profit": attention,
            "customer_status": status_frame,
            "customer_value_lost": value_lost_per_month,
            "commercial_budget": budget_table,
            "customer_budget": customer_budget(frame, budget_table, config.budget),
            "visit_plan": visit_plan(frame, config.curry, config.visits),
        },
        inputs.customer_key_type,
    )
    return SegmentSummary(
        as_of=as_of,
        customer_count=len(frame),
        active_count=int(frame["is_active"].sum()),
        unassigned_revenue_12m=_eur(unassigned["revenue_12m_cents"].sum()),
        unassigned_contribution_12m=_eur(unassigned["contribution_12m_cents"].sum()),
        curry_counts=_counts(frame["curry_tier"]),
        whitney_counts=_counts(frame["whitney_class"]),
        pareto_counts=_counts(frame["pareto_class"].fillna("none")),
        status_counts=_counts(frame["status"]),
        whale_sentence=whale.sentence,
        attention_sentence=str(attention.loc[0, "sentence"]),
        budget_total=_eur(total_cents),
        rows_written=written,
    )
