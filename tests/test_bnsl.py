"""The one-break broken neural scaling law: formula, limits, Jacobian, and a known-answer fit."""

import dataclasses

import numpy as np
import pytest

from replication.fitting import fit_multistart, squared, start_grid
from replication.laws import get_law

LAW = get_law("bnsl_1break")
TRUE = dict(a=0.3, b=5.0, c0=0.05, c1=3.0, d1=500.0, f1=0.1)
THETA = np.array([np.log(TRUE["a"]), np.log(TRUE["b"]), TRUE["c0"], TRUE["c1"], np.log(TRUE["d1"]), np.log(TRUE["f1"])])


def _direct(x, a, b, c0, c1, d1, f1):
    return a + b * x ** (-c0) * (1 + (x / d1) ** (1 / f1)) ** (-c1 * f1)


def test_matches_the_published_formula():
    x = np.array([10.0, 160.0, 499.0, 650.0, 2000.0])
    np.testing.assert_allclose(LAW.predict(THETA, {"x": x}), _direct(x, **TRUE), rtol=1e-12)
    nat = LAW.natural_params(THETA)
    assert nat["d1"] == pytest.approx(500.0) and nat["f1"] == pytest.approx(0.1)


def test_exponent_changes_at_the_break():
    # far below d1 the slope of log(y - a) in log x is -c0; far above it is -(c0 + c1)
    def slope(x0):
        x = np.array([x0, x0 * 1.01])
        y = LAW.predict(THETA, {"x": x}) - TRUE["a"]
        return np.diff(np.log(y))[0] / np.log(1.01)

    assert slope(5.0) == pytest.approx(-TRUE["c0"], abs=1e-6)
    assert slope(5e4) == pytest.approx(-(TRUE["c0"] + TRUE["c1"]), abs=1e-3)


def test_analytic_jacobian_matches_finite_differences():
    rng = np.random.default_rng(7)
    theta = np.column_stack([rng.normal(0, 1, 6), rng.normal(1, 1, 6), rng.uniform(-0.3, 1, 6), rng.uniform(0, 3, 6),
                             rng.normal(6, 1, 6), rng.normal(-1.5, 0.7, 6)])
    X = {"x": np.geomspace(20.0, 5e3, 25)}
    _, jac = LAW.log_jacobian(theta, X)
    _, fd = dataclasses.replace(LAW, log_jacobian_fn=None).log_jacobian(theta, X)
    np.testing.assert_allclose(jac, fd, atol=1e-6)


def test_fit_recovers_a_noiseless_broken_curve():
    x = np.geomspace(100.0, 1500.0, 24)
    y = _direct(x, **TRUE)
    grid = start_grid(LAW.params, {"la": [-2.0, 0.0], "lb": [0.0, 2.0, 4.0], "c0": [0.0, 0.5], "c1": [0.5, 2.0],
                                   "ld1": [5.0, 6.5, 8.0], "lf1": [-2.0, -0.7]})
    res = fit_multistart(LAW, squared("log"), {"x": x}, y, grid)
    assert res.fun < 1e-18
    np.testing.assert_allclose(LAW.predict(res.theta, {"x": x}), y, rtol=1e-7)
