"""The saturating power law err = a (x + b)^c + d: formula, Jacobian, and a known-answer fit."""

import dataclasses

import numpy as np
import pytest

from replication.fitting import fit_multistart, squared, start_grid
from replication.laws import get_law

LAW = get_law("saturation_both")
TRUE = dict(a=60.0, b=500.0, c=-0.23, d=0.11)
THETA = np.array([np.log(TRUE["a"]), np.log(TRUE["b"]), TRUE["c"], np.log(TRUE["d"])])
X = {"x": np.geomspace(1e2, 1e12, 30)}  # b matters only where x is not much larger than b


def _direct(x, a, b, c, d):
    return a * (x + b) ** c + d


def test_matches_the_published_formula():
    np.testing.assert_allclose(LAW.predict(THETA, X), _direct(X["x"], **TRUE), rtol=1e-12)
    nat = LAW.natural_params(THETA)
    assert nat["a"] == pytest.approx(60.0) and nat["d"] == pytest.approx(0.11) and nat["b"] == pytest.approx(500.0)


def test_analytic_jacobian_matches_finite_differences():
    rng = np.random.default_rng(11)
    theta = np.column_stack([rng.normal(3, 1, 5), rng.uniform(0, 4, 5), rng.uniform(-0.4, -0.05, 5),
                             rng.normal(-2, 0.5, 5)])
    x = {"x": np.geomspace(10.0, 1e4, 20)}  # small x so that b matters to the derivative
    _, jac = LAW.log_jacobian(theta, x)
    _, fd = dataclasses.replace(LAW, log_jacobian_fn=None).log_jacobian(theta, x)
    np.testing.assert_allclose(jac, fd, rtol=1e-5, atol=1e-8)


def test_least_squares_fit_recovers_known_parameters():
    y = _direct(X["x"], **TRUE)
    grid = start_grid(LAW.params, {"la": [1.0, 3.0, 5.0], "lb": [4.0, 7.0], "c": [-0.4, -0.1], "ld": [-3.0, -1.0]})
    res = fit_multistart(LAW, squared("linear"), X, y, grid)
    nat = LAW.natural_params(res.theta)
    for key in ("a", "c", "d"):
        assert nat[key] == pytest.approx(TRUE[key], rel=1e-3), key
    assert nat["b"] == pytest.approx(TRUE["b"], rel=2e-2)
