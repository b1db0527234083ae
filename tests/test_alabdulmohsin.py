"""Alabdulmohsin et al.'s estimators M3 and M4: formulas, the implicit M4 solve, Jacobians, and known-answer fits."""

import dataclasses

import numpy as np
import pytest

from replication.fitting import fit_multistart, squared, start_grid
from replication.laws import get_law
from replication.laws.alabdulmohsin import solve_m4

X = {"x": np.geomspace(1.0, 3e3, 40)}


def _fd_jacobian(law, theta, X):
    return dataclasses.replace(law, log_jacobian_fn=None).log_jacobian(theta, X)[1]


def test_m3_matches_formula_and_limit():
    law = get_law("alabdulmohsin_m3")
    beta, c, gamma = 0.9, 0.35, 2e-3
    theta = np.array([np.log(beta), c, np.log(gamma)])
    expected = beta * (1.0 / X["x"] + gamma) ** c
    np.testing.assert_allclose(law.predict(theta, X), expected, rtol=1e-12)
    far = law.predict(theta, {"x": np.array([1e15])})[0]
    assert far == pytest.approx(beta * gamma**c, rel=1e-9)  # levels off at beta gamma^c


def test_m4_prediction_solves_the_implicit_equation():
    # choose losses, compute the x at which M4 passes through them, and ask the law for L back
    beta, c, eps_inf, eps_0, alpha = 2.0, 0.4, 0.2, 1.1, 0.7
    L = np.linspace(0.201, 1.099, 200)
    x = (((L - eps_inf) / (eps_0 - L) ** alpha) / beta) ** (-1.0 / c)
    law = get_law("alabdulmohsin_m4")
    theta = np.array([np.log(beta), c, np.log(eps_inf), np.log(eps_0 - eps_inf), np.log(alpha)])
    np.testing.assert_allclose(law.predict(theta, {"x": x}), L, rtol=1e-11)
    nat = law.natural_params(theta)
    assert nat["eps_0"] == pytest.approx(eps_0) and nat["alpha"] == pytest.approx(alpha)


def test_m4_stays_between_its_limits_and_decreases():
    law = get_law("alabdulmohsin_m4")
    theta = np.array([np.log(3.0), 0.8, np.log(0.1), np.log(0.85), np.log(1.5)])
    pred = law.predict(theta, {"x": np.geomspace(1e-6, 1e9, 300)})
    assert np.all((pred > 0.1) & (pred < 0.95))
    assert np.all(np.diff(pred) < 0)


@pytest.mark.parametrize("alpha", [1e-14, 1e-6, 0.3, 1.0, 4.0, 300.0])
def test_solve_m4_is_accurate_for_extreme_alpha(alpha):
    target = np.linspace(-60, 60, 241)
    u = solve_m4(target, alpha)
    assert np.all(np.isfinite(u))
    a = max(alpha, 1e-12)
    h = -np.logaddexp(0, -u) + a * np.logaddexp(0, u)
    np.testing.assert_allclose(h, target, atol=1e-9 * (1 + np.abs(target)).max())


@pytest.mark.parametrize("name", ["alabdulmohsin_m3", "alabdulmohsin_m4"])
def test_analytic_jacobian_matches_finite_differences(name):
    law = get_law(name)
    rng = np.random.default_rng(3)
    if name == "alabdulmohsin_m3":
        theta = np.column_stack([rng.normal(0, 1, 8), rng.uniform(0.1, 1.5, 8), rng.normal(-4, 2, 8)])
    else:
        theta = np.column_stack([rng.normal(0, 1, 8), rng.uniform(0.1, 1.5, 8), rng.normal(-1.5, 0.5, 8),
                                 rng.normal(-0.5, 0.5, 8), rng.normal(0, 1, 8)])
    logf, jac = law.log_jacobian(theta, X)
    np.testing.assert_allclose(jac, _fd_jacobian(law, theta, X), atol=2e-6)
    np.testing.assert_allclose(logf, law.log_predict(theta, X), rtol=1e-14)


def test_m4_fit_recovers_known_curve():
    law = get_law("alabdulmohsin_m4")
    truth = np.array([np.log(1.5), 0.6, np.log(0.15), np.log(0.8), np.log(0.8)])
    x = np.geomspace(1.0, 200.0, 30)
    y = law.predict(truth, {"x": x})
    grid = start_grid(law.params, {"b": [-1.0, 1.0], "c": [0.3, 1.0], "e": [-3.0, -1.5], "d": [0.0, 0.7], "a": [-2.0, 0.0]})
    res = fit_multistart(law, squared("log"), {"x": x}, y, grid, keep_min=4)
    assert res.fun < 1e-16
    far = {"x": np.geomspace(300.0, 1e5, 10)}
    np.testing.assert_allclose(law.predict(res.theta, far), law.predict(truth, far), rtol=1e-5)
