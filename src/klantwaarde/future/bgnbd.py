"""BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way"): repeat
purchasing, fitted by maximum likelihood on the closed-form likelihood.

Per customer: x repeat occasions, t_x the time of the last one, T the time observed,
all from the first occasion, in one time unit (weeks). Parameters r, alpha (the gamma
mixing of purchase rates, alpha in the time unit) and a, b (the beta mixing of the
drop-out probability).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

from klantwaarde.future import mle

PARAMETERS = ("r", "alpha", "a", "b")


@dataclass(frozen=True)
class BgNbdFit:
    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float
    converged: bool
    customers: int

    def as_dict(self) -> dict[str, float]:
        return {"r": self.r, "alpha": self.alpha, "a": self.a, "b": self.b}


def _terms(
    params: np.ndarray, x: np.ndarray, t_x: np.ndarray, big_t: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Each customer's log-likelihood (equation 6 of the paper, in logs) and its
    derivatives by r, alpha, a and b (rows)."""
    r, alpha, a, b = params
    rep = x > 0
    log_alpha_t = np.log(alpha + big_t)
    log_alpha_tx = np.log(alpha + t_x[rep])
    a1 = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
    a2 = (
        special.gammaln(a + b)
        + special.gammaln(b + x)
        - special.gammaln(b)
        - special.gammaln(a + b + x)
    )
    a3 = -(r + x) * log_alpha_t
    a4 = np.full_like(a3, -np.inf)
    a4[rep] = np.log(a) - np.log(b + x[rep] - 1) - (r + x[rep]) * log_alpha_tx
    last = np.logaddexp(a3, a4)
    # the shares of the two terms inside the log of the sum
    s3 = np.exp(a3 - last)
    s4 = np.exp(a4[rep] - last[rep])
    psi_ab, psi_abx = special.digamma(a + b), special.digamma(a + b + x)
    d_r = special.digamma(r + x) - special.digamma(r) + np.log(alpha) - s3 * log_alpha_t
    d_alpha = r / alpha - s3 * (r + x) / (alpha + big_t)
    d_a = psi_ab - psi_abx
    d_b = psi_ab + special.digamma(b + x) - special.digamma(b) - psi_abx
    d_r[rep] -= s4 * log_alpha_tx
    d_alpha[rep] -= s4 * (r + x[rep]) / (alpha + t_x[rep])
    d_a[rep] += s4 / a
    d_b[rep] -= s4 / (b + x[rep] - 1)
    return a1 + a2 + last, np.vstack([d_r, d_alpha, d_a, d_b])


def fit(
    x: np.ndarray,
    t_x: np.ndarray,
    big_t: np.ndarray,
    weights: np.ndarray | None = None,
) -> BgNbdFit:
    """Maximum-likelihood fit with the analytic gradient. Customers with the same
    (x, t_x, T) are fitted once with a weight (`compress`)."""
    x, t_x, big_t, w = compress(x, t_x, big_t, weights)

    def negative(log_params: np.ndarray) -> tuple[float, np.ndarray]:
        params = np.exp(log_params)
        terms, derivatives = _terms(params, x, t_x, big_t)
        # by the log-parameters: d/d(log p) = p d/dp
        return mle.guarded(-float(w @ terms), -params * (derivatives @ w))

    start = np.log(np.array([1.0, max(float(np.average(big_t, weights=w)), 1.0), 1.0, 1.0]))
    best, minimum, converged = mle.minimize(negative, start)
    r, alpha, a, b = np.exp(best)
    return BgNbdFit(float(r), float(alpha), float(a), float(b), -minimum, converged, int(w.sum()))


def compress(
    x: np.ndarray, t_x: np.ndarray, big_t: np.ndarray, weights: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Unique (x, t_x, T) rows with their count (or summed weights)."""
    stacked = np.column_stack([x, t_x, big_t]).astype(float)
    unique, inverse = np.unique(stacked, axis=0, return_inverse=True)
    w = np.bincount(inverse.ravel(), weights=weights, minlength=len(unique)).astype(float)
    return unique[:, 0], unique[:, 1], unique[:, 2], w


def p_alive(fit_: BgNbdFit, x: np.ndarray, t_x: np.ndarray, big_t: np.ndarray) -> np.ndarray:
    """P(still active | x, t_x, T): 1 for a customer without a repeat occasion."""
    r, alpha, a, b = fit_.r, fit_.alpha, fit_.a, fit_.b
    out = np.ones(len(x), dtype=float)
    rep = x > 0
    log_ratio = (
        np.log(a)
        - np.log(b + x[rep] - 1)
        + (r + x[rep]) * (np.log(alpha + big_t[rep]) - np.log(alpha + t_x[rep]))
    )
    out[rep] = 1.0 / (1.0 + np.exp(log_ratio))
    return out


def expected_purchases(
    fit_: BgNbdFit, t: float, x: np.ndarray, t_x: np.ndarray, big_t: np.ndarray
) -> np.ndarray:
    """E[occasions in the next t | x, t_x, T] (equation 10 of the paper)."""
    r, alpha, a, b = fit_.r, fit_.alpha, fit_.a, fit_.b
    if t <= 0:
        return np.zeros(len(x), dtype=float)
    z = t / (alpha + big_t + t)
    hyp = special.hyp2f1(r + x, b + x, a + b + x - 1, z)
    first = (a + b + x - 1) / (a - 1)
    second = 1 - np.exp((r + x) * np.log((alpha + big_t) / (alpha + big_t + t))) * hyp
    rep = (x > 0).astype(float)
    log_ratio = (
        np.log(a)
        - np.log(np.maximum(b + x - 1, 1e-300))
        + (r + x) * (np.log(alpha + big_t) - np.log(alpha + t_x))
    )
    denom = 1 + rep * np.exp(np.minimum(log_ratio, 700))
    return np.maximum(first * second / denom, 0.0)
