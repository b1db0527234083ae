"""The parallel-scaling laws (log P and power-of-P multipliers): formula, Jacobian, and a known-answer fit."""

import dataclasses

import numpy as np
import pytest

from replication.fitting import fit_multistart, huber_log, start_grid
from replication.laws import get_law

TRUE = dict(E=0.9, A=2.5, alpha=0.3, k=0.4)
THETA = np.array([np.log(TRUE["E"]), np.log(TRUE["A"]), TRUE["alpha"], np.log(TRUE["k"])])
N = np.repeat([5e8, 1e9, 2e9, 4e9], 4)
P = np.tile([1.0, 2.0, 4.0, 8.0], 4)


def _direct(N, P, E, A, alpha, k):
    return E + (A * 1e9 / (N * (k * np.log(P) + 1))) ** alpha


def test_matches_the_published_formula():
    law = get_law("parscale")
    np.testing.assert_allclose(law.predict(THETA, {"N": N, "P": P}), _direct(N, P, **TRUE), rtol=1e-12)
    assert law.natural_params(THETA)["k"] == pytest.approx(TRUE["k"])


def test_one_stream_is_the_plain_parameter_law():
    # at P = 1 both multipliers are 1, whatever k or gamma
    X = {"N": np.array([1e9, 3e9]), "P": np.ones(2)}
    a = get_law("parscale").predict(THETA, X)
    b = get_law("parscale_power").predict(np.r_[THETA[:3], 0.77], X)
    np.testing.assert_allclose(a, b, rtol=1e-12)
    np.testing.assert_allclose(a, TRUE["E"] + (TRUE["A"] / X["N"] * 1e9) ** TRUE["alpha"], rtol=1e-12)


def test_power_multiplier_formula():
    theta = np.array([np.log(0.9), np.log(2.5), 0.3, 0.25])
    want = 0.9 + (2.5e9 / (N * P**0.25)) ** 0.3
    np.testing.assert_allclose(get_law("parscale_power").predict(theta, {"N": N, "P": P}), want, rtol=1e-12)


@pytest.mark.parametrize("name", ["parscale", "parscale_power"])
def test_analytic_jacobian_matches_finite_differences(name):
    law = get_law(name)
    rng = np.random.default_rng(3)
    theta = np.column_stack([rng.normal(0, 0.5, 5), rng.normal(0, 2, 5), rng.uniform(0.05, 1.5, 5),
                             rng.normal(-1, 0.5, 5)])
    _, jac = law.log_jacobian(theta, {"N": N, "P": P})
    _, fd = dataclasses.replace(law, log_jacobian_fn=None).log_jacobian(theta, {"N": N, "P": P})
    np.testing.assert_allclose(jac, fd, atol=1e-6)


def test_fit_recovers_known_parameters():
    law = get_law("parscale")
    y = _direct(N, P, **TRUE)
    grid = start_grid(law.params, {"e": [-1.0, 0.0], "a": [-2.0, 0.0, 2.0], "alpha": [0.5, 1.0],
                                   "lk": [-1.6, -0.5]})
    res = fit_multistart(law, huber_log(1e-3), {"N": N, "P": P}, y, grid)
    nat = law.natural_params(res.theta)
    for key, value in TRUE.items():
        assert nat[key] == pytest.approx(value, rel=1e-4), key
