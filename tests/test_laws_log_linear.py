"""The log-linear law y = a + b log10 x: formula, Jacobian, a known-answer least-squares fit, and its domain."""

import dataclasses

import numpy as np
import pytest

from replication.fitting import fit_multistart, squared, start_grid
from replication.laws import get_law

LAW = get_law("log_linear")


def test_formula_and_domain():
    x = np.array([1.0, 10.0, 1000.0])
    np.testing.assert_allclose(LAW.predict(np.array([20.0, 5.0]), {"x": x}), [20.0, 25.0, 35.0])
    # where a + b log10 x <= 0 the law is undefined (no logarithm), not silently clipped
    assert np.isnan(LAW.log_predict(np.array([[1.0, -1.0]]), {"x": np.array([100.0])})).all()


def test_analytic_jacobian_matches_finite_differences():
    theta = np.array([[20.0, 5.0], [3.0, 0.5], [50.0, -2.0]])
    X = {"x": np.geomspace(1.0, 1e6, 15)}
    _, jac = LAW.log_jacobian(theta, X)
    _, fd = dataclasses.replace(LAW, log_jacobian_fn=None).log_jacobian(theta, X)
    np.testing.assert_allclose(jac, fd, rtol=1e-6, atol=1e-9)


def test_least_squares_recovers_the_ordinary_regression():
    rng = np.random.default_rng(5)
    x = 10 ** rng.uniform(0, 6, 400)
    y = 12.0 + 6.5 * np.log10(x) + rng.normal(0, 4, x.size)
    res = fit_multistart(LAW, squared("linear"), {"x": x}, y, start_grid(LAW.params, {"a": [10.0, 40.0], "b": [0.0, 5.0]}))
    b, a = np.polyfit(np.log10(x), y, 1)  # the closed-form least-squares line
    assert res.theta[0] == pytest.approx(a, rel=1e-8)
    assert res.theta[1] == pytest.approx(b, rel=1e-8)
