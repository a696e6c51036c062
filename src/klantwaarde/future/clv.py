"""Expected occasions by month, discounted, and the CLV of contracts §4 (doc block `clv`).

`Forecast` holds, per customer, what the models (or the fallback) expect: occasions per
month of the horizon, spend per occasion, P(alive). `lifetime_value` turns it into
expected contribution with the customer's margin rate and cost per occasion.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from klantwaarde.future import bgnbd, gamma_gamma
from klantwaarde.future.occasions import DAYS_PER_UNIT, Summary

DAYS_PER_MONTH = 365.25 / 12

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Forecast:
    method: str  # bg_nbd_gamma_gamma, or the fallback used
    p_alive: np.ndarray  # NaN where the method has none
    occasions_by_month: np.ndarray  # customers x horizon months
    occasions_12m: np.ndarray
    spend: np.ndarray  # expected spend per occasion
    bg_nbd: bgnbd.BgNbdFit | None
    gamma_gamma: gamma_gamma.GammaGammaFit | None


def month_ends(horizon_months: int, time_unit: str) -> np.ndarray:
    """The end of months 0..horizon after the as-of date, in the time unit."""
    return np.arange(horizon_months + 1) * DAYS_PER_MONTH / DAYS_PER_UNIT[time_unit]


def _usable(fit_: bgnbd.BgNbdFit | gamma_gamma.GammaGammaFit) -> bool:
    """Finite, positive parameters and likelihood. A fit that ends at the edge of the
    parameter space (no drop-out seen yet: a -> 0, b -> infinity) is used, and recorded
    with converged = false."""
    values = [*fit_.as_dict().values(), -fit_.log_likelihood]
    return all(np.isfinite(v) and v > 0 for v in values)


def forecast(summary: Summary, horizon_months: int, min_repeat_customers: int) -> Forecast:
    """Fit BG/NBD and Gamma-Gamma on the summary and forecast every customer in it.

    Fallbacks, named in `method`: too few repeat customers or a BG/NBD fit that does not
    converge → `historical_rate` (each customer's own occasions per time unit so far,
    (frequency + 1) / tenure, going on); a Gamma-Gamma fit that cannot be used (too few
    repeat customers, no convergence, q <= 1) → the customer's own mean spend
    (`…_own_spend`)."""
    x, t_x, big_t = summary.frequency, summary.recency, summary.tenure
    ends = month_ends(max(horizon_months, 12), summary.time_unit)
    repeaters = int(np.sum(x > 0))
    bg = gg = None
    if repeaters >= min_repeat_customers:
        bg = bgnbd.fit(x, t_x, big_t)
        if not _usable(bg) or abs(bg.a - 1) < 1e-6:
            bg = None
        gg = gamma_gamma.fit(x, summary.monetary_value)
        if not _usable(gg) or gg.q <= 1:
            gg = None
    for name, fitted in (("BG/NBD", bg), ("Gamma-Gamma", gg)):
        if fitted is not None and not fitted.converged:
            log.warning("future value: the %s fit did not converge; used as it ended", name)
    if bg is None or gg is None:
        log.warning(
            "future value: %s (%d repeat customers, at least %d needed to fit)",
            "BG/NBD not used: historical rates instead"
            if bg is None
            else "Gamma-Gamma not used: own mean spend instead",
            repeaters,
            min_repeat_customers,
        )
    cumulative = None
    if bg is not None:
        # customers with the same (x, t_x, T) expect the same: computed once per triple
        triples, inverse = np.unique(np.column_stack([x, t_x, big_t]), axis=0, return_inverse=True)
        ux, ut_x, ubig_t = triples[:, 0], triples[:, 1], triples[:, 2]
        cumulative = np.column_stack(
            [bgnbd.expected_purchases(bg, float(t), ux, ut_x, ubig_t) for t in ends]
        )[inverse.ravel()]
        alive = bgnbd.p_alive(bg, x, t_x, big_t)
        method = "bg_nbd"
        if not (np.all(np.isfinite(cumulative)) and np.all(np.isfinite(alive))):
            log.warning("future value: the BG/NBD forecast is not finite; historical rates instead")
            cumulative = None
    if cumulative is None:
        rate = (x + 1) / np.maximum(big_t, 1.0)
        cumulative = np.outer(rate, ends)
        alive = np.full(len(x), np.nan)
        method = "historical_rate"
    by_month = np.diff(cumulative, axis=1)
    if gg is not None:
        spend = gamma_gamma.expected_spend(gg, x, summary.monetary_value)
        method += "_gamma_gamma"
    else:
        spend = summary.mean_amount
        method += "_own_spend"
    return Forecast(
        method=method,
        p_alive=alive,
        occasions_by_month=by_month[:, :horizon_months],
        occasions_12m=cumulative[:, 12],
        spend=spend,
        bg_nbd=bg,
        gamma_gamma=gg,
    )


def lifetime_value(
    fc: Forecast,
    margin_rate: np.ndarray,
    cost_per_occasion: np.ndarray,
    discount_rate_annual: float,
) -> np.ndarray:
    """Σ_m E[occasions in month m] × (spend × margin rate − cost per occasion) / (1+d)^(m/12)."""
    months = np.arange(1, fc.occasions_by_month.shape[1] + 1)
    discount = (1.0 + discount_rate_annual) ** (-months / 12.0)
    discounted = fc.occasions_by_month @ discount
    return discounted * (fc.spend * margin_rate - cost_per_occasion)
