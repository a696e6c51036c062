"""Maximum likelihood on log-parameters, shared by the BG/NBD and Gamma-Gamma fits."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import optimize

Objective = Callable[[np.ndarray], tuple[float, np.ndarray]]

# tight enough that the estimates stop moving in the digits the mart stores
OPTIONS = {"ftol": 1e-15, "gtol": 1e-9, "maxiter": 1000}


def minimize(objective: Objective, start: np.ndarray) -> tuple[np.ndarray, float, bool]:
    """Minimise a negative log-likelihood given with its gradient. L-BFGS-B with the
    analytic gradient; where it stops without converging (a likelihood flat at the edge of
    the parameter space), Nelder-Mead from its end point, and the better of the two.
    Returns the log-parameters, the minimum and whether either method converged."""
    result = optimize.minimize(objective, start, jac=True, method="L-BFGS-B", options=OPTIONS)
    if result.success:
        return result.x, float(result.fun), True
    polished = optimize.minimize(
        lambda p: objective(p)[0],
        result.x,
        method="Nelder-Mead",
        options={"xatol": 1e-6, "fatol": 1e-6},
    )
    best = polished if polished.fun <= result.fun else result
    return best.x, float(best.fun), bool(polished.success)


def guarded(value: float, gradient: np.ndarray) -> tuple[float, np.ndarray]:
    """A non-finite likelihood (parameters far outside the data) reads as a wall."""
    if not np.isfinite(value) or not np.all(np.isfinite(gradient)):
        return 1e300, np.zeros_like(gradient)
    return value, gradient
