"""Maximum likelihood on log-parameters, shared by the BG/NBD and Gamma-Gamma fits."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import optimize

Objective = Callable[[np.ndarray], tuple[float, np.ndarray]]

# tight enough that the estimates stop moving in the digits the mart stores
OPTIONS = {"ftol": 1e-15, "gtol": 1e-9, "maxiter": 1000}
# every parameter between 1e-6 and 1e6: beyond, the likelihoods and the hypergeometric
# function of the forecast lose their precision. A fit that ends on a bound (no drop-out
# seen yet: the beta mixing of BG/NBD degenerates) is used, and not called converged.
LOG_BOUND = float(np.log(1e6))
# a gradient this small against the likelihood moves no stored digit of the estimates
RELATIVE_GTOL = 1e-12


def minimize(objective: Objective, start: np.ndarray) -> tuple[np.ndarray, float, bool]:
    """Minimise a negative log-likelihood given with its gradient, over log-parameters
    within +-LOG_BOUND. L-BFGS-B with the analytic gradient; where it stops without
    converging and short of the optimum, Nelder-Mead from its end point, and the better
    of the two. Returns the log-parameters, the minimum and whether it converged inside
    the bounds."""
    bounds = [(-LOG_BOUND, LOG_BOUND)] * len(start)
    objective = quietly(objective)
    result = optimize.minimize(
        objective, start, jac=True, method="L-BFGS-B", bounds=bounds, options=OPTIONS
    )
    best, converged = result, bool(result.success) or at_optimum(result.x, result.fun, result.jac)
    if not converged:
        polished = optimize.minimize(
            lambda p: objective(p)[0],
            result.x,
            method="Nelder-Mead",
            bounds=bounds,
            options={"xatol": 1e-6, "fatol": 1e-6},
        )
        if polished.fun <= result.fun:
            best = polished
        converged = bool(polished.success)
    inside = bool(np.all(np.abs(best.x) < LOG_BOUND - 1e-6))
    return best.x, float(best.fun), converged and inside


def at_optimum(log_params: np.ndarray, value: float, gradient: np.ndarray) -> bool:
    """Whether a point where L-BFGS-B stopped short (its line search finds no lower value
    in floating point) is the optimum all the same: every gradient component off the
    bounds within RELATIVE_GTOL of the likelihood's size."""
    free = np.abs(log_params) < LOG_BOUND - 1e-6
    if not _finite(value, gradient):
        return False
    return bool(np.all(np.abs(gradient[free]) <= RELATIVE_GTOL * max(1.0, abs(value))))


def _finite(value: float, gradient: np.ndarray) -> bool:
    return bool(np.isfinite(value) and np.all(np.isfinite(gradient)))


def guarded(value: float, gradient: np.ndarray) -> tuple[float, np.ndarray]:
    """A non-finite likelihood (parameters far outside the data) reads as a wall."""
    if not _finite(value, gradient):
        return 1e300, np.zeros_like(gradient)
    return value, gradient


def quietly(objective: Objective) -> Objective:
    """The objective with numpy's overflow warnings off: a trial point far outside the
    data overflows, and `guarded` turns that into a wall."""

    def evaluate(log_params: np.ndarray) -> tuple[float, np.ndarray]:
        with np.errstate(all="ignore"):
            return objective(log_params)

    return evaluate
