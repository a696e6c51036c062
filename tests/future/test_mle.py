"""The optimiser shared by the BG/NBD and Gamma-Gamma fits (klantwaarde.future.mle)."""

from __future__ import annotations

import numpy as np

from klantwaarde.future import mle


def _bowl(log_params: np.ndarray) -> tuple[float, np.ndarray]:
    """A likelihood of a large sample's size with its minimum at log-parameters (1, -2)."""
    centre = np.array([1.0, -2.0])
    return 4.0e6 + float(np.sum((log_params - centre) ** 2)), 2.0 * (log_params - centre)


def test_a_point_whose_gradient_is_at_floating_point_noise_is_the_optimum() -> None:
    value, gradient = 4.0e6, np.array([5e-7, -3e-7])
    assert mle.at_optimum(np.array([0.3, -2.6]), value, gradient)


def test_a_point_with_a_real_slope_is_not_the_optimum() -> None:
    assert not mle.at_optimum(np.array([0.3, -2.6]), 4.0e6, np.array([5e-7, 0.5]))
    assert not mle.at_optimum(np.array([0.3, -2.6]), float("nan"), np.array([0.0, 0.0]))


def test_a_component_held_by_a_bound_does_not_count() -> None:
    on_bound = np.array([mle.LOG_BOUND, 0.2])
    assert mle.at_optimum(on_bound, 4.0e6, np.array([-3.0, 1e-8]))


def test_minimize_finds_the_minimum_and_calls_it_converged() -> None:
    best, minimum, converged = mle.minimize(_bowl, np.array([0.0, 0.0]))
    assert np.allclose(best, [1.0, -2.0], atol=1e-6)
    assert minimum == 4.0e6
    assert converged
