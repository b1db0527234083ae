"""Gadre et al.'s loss and downstream laws: predictions against the formula, analytic Jacobians, known-answer fits."""

import numpy as np
import pytest

from replication.fitting import fit_multistart, squared, start_grid
from replication.laws import get_law

N = np.array([1.06e7, 7.9e7, 1.54e8, 4.12e8, 1.06e7, 1.44e9])
M = np.array([20.0, 20.0, 20.0, 20.0, 320.0, 640.0])


def _loss(a, c, b, E, N, M):
    return a * N**b + c * 6 ** (b / 2) * (M * N) ** b + E


def _numeric_jac(law, theta, X, h=1e-6):
    cols = []
    for j in range(theta.shape[1]):
        up, dn = theta.copy(), theta.copy()
        up[:, j] += h
        dn[:, j] -= h
        cols.append((law.log_predict(up, X) - law.log_predict(dn, X)) / (2 * h))
    return np.stack(cols, axis=-1)


def test_loss_law_matches_formula_and_jacobian():
    law = get_law("overtraining_loss")
    theta = np.array([[np.log(166.0), np.log(367.0), np.log(1.84), -0.27], [np.log(10.0), np.log(3e3), np.log(0.2), -0.1]])
    X = {"N": N, "M": M}
    for t, row in zip(theta, law.predict(theta, X)):
        np.testing.assert_allclose(row, _loss(np.exp(t[0]), np.exp(t[1]), t[3], np.exp(t[2]), N, M), rtol=1e-12)
    logf, jac = law.log_jacobian(theta, X)
    np.testing.assert_allclose(jac, _numeric_jac(law, theta, X), rtol=1e-6, atol=1e-9)
    nat = law.natural_params(theta[0])
    assert nat["a"] == pytest.approx(166.0) and nat["E"] == pytest.approx(1.84) and nat["b"] == -0.27


def test_loss_law_recovers_known_constants_by_least_squares():
    law = get_law("overtraining_loss")
    y = _loss(150.0, 300.0, -0.25, 1.7, N, M)  # exact data from known constants
    grid = start_grid(law.params, {"la": list(np.log([1e2, 3e2, 1e3, 3e3])), "lc": list(np.log([1e2, 3e2, 1e3, 3e3])),
                                   "e": list(np.log([0.1, 1.0, 2.0, 10.0])), "b": [-0.1, -0.3]})
    fit = fit_multistart(law, squared("linear"), {"N": N, "M": M}, y, grid)
    nat = law.natural_params(fit.theta)
    assert nat["b"] == pytest.approx(-0.25, abs=1e-6)
    assert nat["E"] == pytest.approx(1.7, rel=1e-5)
    assert nat["a"] == pytest.approx(150.0, rel=1e-4)
    assert nat["c"] == pytest.approx(300.0, rel=1e-4)


def test_downstream_law_formula_jacobian_and_fit():
    law = get_law("downstream_error")
    L = np.array([5.4, 3.9, 3.5, 3.15, 4.57, 2.77])
    eps, k, gamma = 0.857, 2.2, 0.71
    y = eps - k * np.exp(-gamma * L)
    theta = np.array([[eps, np.log(k), gamma], [0.9, 0.3, 1.1]])
    np.testing.assert_allclose(law.predict(theta[0], {"L": L}), y, rtol=1e-12)
    _, jac = law.log_jacobian(theta, {"L": L})
    np.testing.assert_allclose(jac, _numeric_jac(law, theta, {"L": L}), rtol=1e-6, atol=1e-9)
    grid = start_grid(law.params, {"eps": [0.5, 0.75, 1.0], "lk": [-1.0, 0.0, 1.0], "gamma": [0.5, 1.0, 2.0]})
    fit = fit_multistart(law, squared("linear"), {"L": L}, y, grid)
    nat = law.natural_params(fit.theta)
    assert nat["eps"] == pytest.approx(eps, rel=1e-6)
    assert nat["k"] == pytest.approx(k, rel=1e-5)
    assert nat["gamma"] == pytest.approx(gamma, rel=1e-6)


def test_downstream_law_is_undefined_where_the_error_would_be_negative():
    law = get_law("downstream_error")
    out = law.log_predict(np.array([[0.1, np.log(5.0), 0.1]]), {"L": np.array([2.0])})
    assert np.isnan(out).all()
