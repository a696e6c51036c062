"""The second 20/80 rule: attention against profit.

Attention is effort in the window: sales and service minutes (`effort_minutes_12m`).
Population: the customers of the window (see `whale.customers_of_the_window`).

- `least_profit_attention`: customers ordered by window contribution, lowest first (ties by
  customer_key); the smallest such set that takes at least `attention.attention_share`
  (80%) of all attention. Recorded: how many customers that is, their share of customers,
  of attention and of contribution. "80% of the attention goes to the 62% of customers that
  give the least profit; together they make -15% of the profit."
- `top_profit_attention`: the other way round, the top ceil(20% x n) customers by
  contribution: their share of contribution and of attention.

Contribution shares are NULL when the total contribution is not positive.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from klantwaarde.segment.config import AttentionConfig
from klantwaarde.segment.ranking import cumulative_counts
from klantwaarde.segment.whale import customers_of_the_window, pct

COLUMNS = [
    "rule",
    "customer_count",
    "customer_share",
    "effort_minutes",
    "effort_share",
    "contribution_cents",
    "contribution_share",
    "sentence",
]


def attention_profit(customers: pd.DataFrame, config: AttentionConfig) -> pd.DataFrame:
    population = customers.loc[
        customers_of_the_window(customers),
        ["customer_key", "contribution_12m_cents", "effort_minutes_12m"],
    ]
    ascending = population.sort_values(
        ["contribution_12m_cents", "customer_key"], ascending=[True, True], kind="mergesort"
    ).reset_index(drop=True)
    n = len(ascending)
    total_effort = float(ascending["effort_minutes_12m"].sum())
    total_cents = int(ascending["contribution_12m_cents"].sum())

    def row(rule: str, chosen: pd.DataFrame, sentence: str) -> dict:
        effort = float(chosen["effort_minutes_12m"].sum())
        contribution = int(chosen["contribution_12m_cents"].sum())
        return {
            "rule": rule,
            "customer_count": len(chosen),
            "customer_share": len(chosen) / n if n else None,
            "effort_minutes": effort,
            "effort_share": effort / total_effort if total_effort > 0 else None,
            "contribution_cents": contribution,
            "contribution_share": contribution / total_cents if total_cents > 0 else None,
            "sentence": sentence,
        }

    rows = []
    # least profit first: the first k whose cumulative effort reaches the share
    if total_effort > 0:
        cumulative = ascending["effort_minutes_12m"].cumsum().to_numpy()
        target = float(config.attention_share) * total_effort
        k = int(np.searchsorted(cumulative, target - 1e-9 * total_effort, side="left")) + 1
        k = min(k, n)
    else:
        k = 0
    least = ascending.iloc[:k]
    r = row("least_profit_attention", least, "")
    r["sentence"] = (
        f"{pct(r['effort_share'])} of the attention goes to the {pct(r['customer_share'])} of "
        f"customers that give the least profit; together they make "
        f"{pct(r['contribution_share'])} of the profit"
        if k
        else "no attention (effort minutes) recorded in the window"
    )
    rows.append(r)

    (top_n,) = cumulative_counts(n, [config.top_profit_customer_share])
    top = population.sort_values(
        ["contribution_12m_cents", "customer_key"], ascending=[False, True], kind="mergesort"
    ).iloc[:top_n]
    r = row("top_profit_attention", top, "")
    r["sentence"] = (
        f"the {pct(r['customer_share'])} most profitable customers make "
        f"{pct(r['contribution_share'])} of the profit and get {pct(r['effort_share'])} "
        "of the attention"
        if top_n
        else "no customers with revenue in the window"
    )
    rows.append(r)
    return pd.DataFrame(rows, columns=COLUMNS)
