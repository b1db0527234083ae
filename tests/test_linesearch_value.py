"""Line-search trials judged on the objective alone: the same numbers as the full evaluation, so the optimiser's
path and every result stay the same while a search that halves many times pays for one gradient per row."""

from __future__ import annotations

import numpy as np
import pytest

from replication.fitting import make_objective
from replication.fitting.linesearch import armijo_batch
from replication.laws.base import _REGISTRY


def _inputs(law, rng, n=40):
    X = {k: np.exp(rng.uniform(np.log(1e6), np.log(1e10), n)) for k in law.inputs}
    if "U" in X:
        X["U"] = X["D"] / rng.uniform(1, 20, n)
    return X


@pytest.mark.parametrize("name", sorted(_REGISTRY))
def test_log_predict_is_bitwise_the_log_f_of_the_jacobian(name):
    law = _REGISTRY[name]
    rng = np.random.default_rng(1)
    X = _inputs(law, rng)
    theta = 0.5 + 0.3 * rng.standard_normal((6, law.n_params))
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(law.log_predict(theta, X), law.log_jacobian(theta, X)[0])


@pytest.mark.parametrize("spec", [{"name": "huber", "delta": 1e-3}, {"name": "huber_likelihood", "delta": 1e-3},
                                  {"name": "squared", "space": "log"}, {"name": "squared", "space": "linear"}])
def test_objective_value_alone_is_bitwise_the_value_of_value_grad(spec):
    law = _REGISTRY["chinchilla"]
    rng = np.random.default_rng(2)
    X = _inputs(law, rng)
    y = np.exp(law.log_predict(np.array([[6.0, 6.0, 0.5, 0.34, 0.28]]), X)[0]) * np.exp(rng.normal(0, 0.01, 40))
    theta = np.array([6.0, 6.0, 0.5, 0.34, 0.28]) + 0.05 * rng.standard_normal((5, 5))
    obj = make_objective(spec)
    w = rng.integers(0, 3, (5, 40)).astype(float)
    np.testing.assert_array_equal(obj.value(law, theta, X, y, w), obj.value_grad(law, theta, X, y, w)[0])


def test_armijo_with_the_value_alone_accepts_the_same_steps_and_returns_the_same_outputs():
    calls = {"full": 0}

    def full(x, rows):
        calls["full"] += 1
        return (x**2).sum(1) + np.cos(3 * x).sum(1), 2 * x - 3 * np.sin(3 * x)

    def value(x, rows):
        return full(x, rows)[0]

    rng = np.random.default_rng(3)
    x = rng.normal(0, 2, (50, 3))
    f, g = full(x, np.arange(50))
    d = -g * rng.uniform(0.5, 40, (50, 1))  # long steps: many rows halve several times
    slope = np.einsum("kp,kp->k", d, g)
    t1, t2 = np.ones(50), np.ones(50)
    calls["full"] = 0
    a = armijo_batch(full, x, np.arange(50), d, f, slope, t1, 40)
    n_plain = calls["full"]
    calls["full"] = 0
    b = armijo_batch(full, x, np.arange(50), d, f, slope, t2, 40, value=value)
    np.testing.assert_array_equal(t1, t2)
    np.testing.assert_array_equal(a[0][~a[2]], b[0][~b[2]])
    np.testing.assert_array_equal(a[2], b[2])
    for u, v in zip(a[1], b[1]):
        np.testing.assert_array_equal(u, v)
    assert n_plain > 3 and calls["full"] == n_plain + 1  # value calls (counted as full here) plus one at the end
