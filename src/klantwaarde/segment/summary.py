"""Segment summary: per tier, Whitney class, Pareto class, quadrant and status.

For each segment: customer count, window revenue, contribution, effort (sales + service
minutes) and visits, each also as a share of all segmented customers, and the
attention-to-profit ratio = effort share / contribution share (NULL when the segment's
contribution share is not positive: a segment that loses money has no ratio, its shares
say it all). Every configured segment has a row, also when it is empty.

Dimension `total` has two rows: `customers` (all segmented customers, the denominators
of every share) and `unassigned`: the unassigned member, which is not a customer and is
kept out of every segment, with its own figures and their size relative to the customers
(so that its money never silently vanishes from the summary).
With `pareto.inactive_class: null`, customers without a Pareto class are counted in
segment `unclassified`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from klantwaarde.segment.config import WHITNEY_CLASSES, SegmentConfig
from klantwaarde.segment.status import STATUSES

UNCLASSIFIED = "unclassified"

MEASURES = {
    "customer_count": ("customer_key", "size"),
    "revenue_12m_cents": ("revenue_12m_cents", "sum"),
    "contribution_12m_cents": ("contribution_12m_cents", "sum"),
    "effort_minutes_12m": ("effort_minutes_12m", "sum"),
    "visits_12m": ("visits_12m", "sum"),
}


def dimensions(config: SegmentConfig) -> dict[str, tuple[str, ...]]:
    p, v = config.pareto, config.value_matrix
    pareto = (p.label_a, p.label_b, p.label_c)
    if p.inactive_class is None:
        pareto = (*pareto, UNCLASSIFIED)
    pareto = tuple(dict.fromkeys(pareto))
    quadrants = (v.partner, v.potential_defector, v.profiteer, v.marginal, v.unrated, v.no_revenue)
    return {
        "curry_tier": config.curry.labels,
        "whitney_class": WHITNEY_CLASSES,
        "pareto_class": pareto,
        "value_quadrant": quadrants,
        "status": STATUSES,
    }


def _aggregate(frame: pd.DataFrame, column: str, labels: tuple[str, ...]) -> pd.DataFrame:
    """The measures per label (every label, empty ones as 0), vectorised with bincount."""
    keys = frame[column].astype(object).where(frame[column].notna(), UNCLASSIFIED)
    position = {label: i for i, label in enumerate(labels)}
    codes = keys.map(position)
    if codes.isna().any():
        unknown = sorted(set(keys[codes.isna()]))
        raise ValueError(f"segment summary: {column} has values outside {labels}: {unknown}")
    codes = codes.to_numpy(dtype="int64")
    size = len(labels)
    result = {"segment": list(labels)}
    for name, (source, how) in MEASURES.items():
        if how == "size":
            result[name] = np.bincount(codes, minlength=size).astype("int64")
        elif name == "effort_minutes_12m":
            weights = frame[source].to_numpy(dtype="float64")
            result[name] = np.bincount(codes, weights=weights, minlength=size)
        else:  # integer sums stay exact: add per label in int64
            values = frame[source].to_numpy(dtype="int64")
            sums = np.zeros(size, dtype="int64")
            np.add.at(sums, codes, values)
            result[name] = sums
    return pd.DataFrame(result)


def segment_summary(
    segments: pd.DataFrame, unassigned: pd.DataFrame, config: SegmentConfig
) -> pd.DataFrame:
    """`segments`: one row per segmented customer with the class columns and status."""
    parts = []
    for dimension, labels in dimensions(config).items():
        part = _aggregate(segments, dimension, labels)
        part.insert(0, "dimension", dimension)
        part["segment_order"] = range(1, len(part) + 1)
        parts.append(part)
    total = pd.concat(
        [
            segments.assign(_total="customers"),
            unassigned.assign(_total="unassigned"),
        ]
    )
    part = _aggregate(total, "_total", ("customers", "unassigned"))
    part.insert(0, "dimension", "total")
    part["segment_order"] = [1, 2]
    parts.append(part)
    summary = pd.concat(parts, ignore_index=True)

    def share(column: str) -> pd.Series:
        denominator = float(segments[column].sum())
        if denominator == 0:
            return pd.Series(float("nan"), index=summary.index)
        return summary[column].astype("float64") / denominator

    n = len(segments)
    summary["customer_share"] = summary["customer_count"] / n if n else float("nan")
    summary["revenue_share"] = share("revenue_12m_cents")
    summary["contribution_share"] = share("contribution_12m_cents")
    summary["effort_share"] = share("effort_minutes_12m")
    # with a non-positive total the contribution shares say nothing useful
    if segments["contribution_12m_cents"].sum() <= 0:
        summary["contribution_share"] = float("nan")
    positive = summary["contribution_share"] > 0
    summary["attention_to_profit_ratio"] = (
        summary["effort_share"] / summary["contribution_share"]
    ).where(positive)
    return summary
