"""Gamma-Gamma (Fader, Hardie & Lee 2005, "RFM and CLV"): spend per occasion, fitted by
maximum likelihood on the customers with repeat occasions (x > 0, m_x their mean spend).
Parameters p, q, gamma."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

from klantwaarde.future import mle

PARAMETERS = ("p", "q", "gamma")


@dataclass(frozen=True)
class GammaGammaFit:
    p: float
    q: float
    gamma: float
    log_likelihood: float
    converged: bool
    customers: int

    def as_dict(self) -> dict[str, float]:
        return {"p": self.p, "q": self.q, "gamma": self.gamma}

    @property
    def population_mean(self) -> float:
        """E[M] of a customer never seen repeating: p gamma / (q - 1) (q > 1)."""
        return self.p * self.gamma / (self.q - 1) if self.q > 1 else float("nan")


def _terms(params: np.ndarray, x: np.ndarray, m_x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each customer's log-likelihood and its derivatives by p, q and gamma (rows)."""
    p, q, gamma = params
    px = p * x
    log_spent = np.log(gamma + x * m_x)
    psi_pxq = special.digamma(px + q)
    terms = (
        special.gammaln(px + q)
        - special.gammaln(px)
        - special.gammaln(q)
        + q * np.log(gamma)
        + (px - 1) * np.log(m_x)
        + px * np.log(x)
        - (px + q) * log_spent
    )
    d_p = x * (psi_pxq - special.digamma(px) + np.log(m_x) + np.log(x) - log_spent)
    d_q = psi_pxq - special.digamma(q) + np.log(gamma) - log_spent
    d_gamma = q / gamma - (px + q) / (gamma + x * m_x)
    return terms, np.vstack([d_p, d_q, d_gamma])


def fit(x: np.ndarray, m_x: np.ndarray) -> GammaGammaFit:
    """Fit on repeat customers with a positive mean spend, with the analytic gradient."""
    keep = (x > 0) & (m_x > 0)
    x, m_x = x[keep].astype(float), m_x[keep].astype(float)

    def negative(log_params: np.ndarray) -> tuple[float, np.ndarray]:
        params = np.exp(log_params)
        terms, derivatives = _terms(params, x, m_x)
        # by the log-parameters: d/d(log p) = p d/dp
        return mle.guarded(-float(terms.sum()), -params * derivatives.sum(axis=1))

    start = np.log(np.array([1.0, 2.0, max(float(np.mean(m_x)), 1.0)]))
    best, minimum, converged = mle.minimize(negative, start)
    p, q, gamma = np.exp(best)
    return GammaGammaFit(float(p), float(q), float(gamma), -minimum, converged, len(x))


def expected_spend(fit_: GammaGammaFit, x: np.ndarray, m_x: np.ndarray) -> np.ndarray:
    """E[M | x, m_x]: the conditional expected spend per occasion; the population mean for
    a customer without a repeat occasion."""
    p, q, gamma = fit_.p, fit_.q, fit_.gamma
    out = np.full(len(x), fit_.population_mean, dtype=float)
    rep = (x > 0) & (m_x > 0)
    out[rep] = p * (gamma + x[rep] * m_x[rep]) / (p * x[rep] + q - 1)
    return out
