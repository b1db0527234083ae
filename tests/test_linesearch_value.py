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


def test_halvings_judged_at_once_accept_the_step_halving_one_at_a_time_accepts():
    """A row whose first trial fails has its halvings down to its depth judged in one evaluation and takes the
    longest that passes: the same step and point as halving one length at a time, on a function along whose
    lines the test passes and fails in several stretches, for any depth; fewer calls where the depth is right."""
    calls = {"value": 0}

    def full(x, rows):
        return (x**2).sum(1) + np.cos(3 * x).sum(1), 2 * x - 3 * np.sin(3 * x)

    def value(x, rows):
        calls["value"] += 1
        return full(x, rows)[0]

    rng = np.random.default_rng(4)
    x = rng.normal(0, 2, (60, 3))
    f, g = full(x, np.arange(60))
    d = -g * rng.uniform(0.5, 400, (60, 1))
    slope = np.einsum("kp,kp->k", d, g)
    t_ref = np.ones(60)
    calls["value"] = 0
    ref = armijo_batch(full, x, np.arange(60), d, f, slope, t_ref, 40, value=value)
    plain = calls["value"]
    assert len(set(t_ref)) > 4 and t_ref.min() < 2.0 ** -8 and ref[2].sum() == 0
    for i in range(60):  # the plain search itself against one row halved at a time in a loop
        step = 1.0
        while not full(x[i:i + 1] + step * d[i:i + 1], None)[0][0] <= f[i] + 1e-4 * step * slope[i]:
            step *= 0.5
        assert t_ref[i] == step
    for depth in (2.0 ** -rng.integers(0, 14, 60), np.full(60, 2.0 ** -30), 2 * t_ref, np.full(60, 4.0)):
        t = np.ones(60)
        calls["value"] = 0
        got = armijo_batch(full, x, np.arange(60), d, f, slope, t, 40, value=value, depth=depth)
        np.testing.assert_array_equal(t, t_ref)
        np.testing.assert_array_equal(got[0], ref[0])
        np.testing.assert_array_equal(got[2], ref[2])
        for u, v in zip(got[1], ref[1]):
            np.testing.assert_array_equal(u, v)
        if depth is not None and np.array_equal(depth, 2 * t_ref):
            assert calls["value"] <= 3 < plain  # the first trial, the halvings down to the answer, no more
    # a row that finds no step anywhere ends failed at the same length either way
    t1, t2 = np.ones(2), np.ones(2)
    up = -d[:2]  # an ascent direction: no length passes
    a = armijo_batch(full, x[:2], np.arange(2), up, f[:2], -slope[:2], t1, 10, value=value)
    b = armijo_batch(full, x[:2], np.arange(2), up, f[:2], -slope[:2], t2, 10, value=value, depth=np.full(2, 2.0**-3))
    assert a[2].all() and b[2].all()
    np.testing.assert_array_equal(t1, t2)


def test_undamped_newton_follows_the_path_of_searches_started_from_one():
    """Each undamped iteration judges its halvings down to twice its last step at once; the path is point for
    point the one of iterations that halve one length at a time from 1 (one-iteration runs chained)."""
    from replication.fitting.newton import newton_batch

    law = _REGISTRY["chinchilla"]
    rng = np.random.default_rng(5)
    X = _inputs(law, rng, n=60)
    truth = np.array([6.0, 7.0, 0.6, 0.34, 0.30])
    y = np.exp(law.log_predict(truth[None], X)[0] + rng.normal(0, 0.02, 60))
    w = np.ones(60)
    x0 = truth + rng.normal(0, [2.0, 2.0, 1.0, 0.2, 0.2], (12, 5))
    for spec in ({"name": "squared", "space": "log"}, {"name": "huber", "delta": 1e-3}):
        obj = make_objective(spec)

        def fgc(theta, rows):
            with np.errstate(all="ignore"):
                return obj.value_grad_curvature(law, theta, X, y, w)

        def fv(theta, rows):
            with np.errstate(all="ignore"):
                return obj.value(law, theta, X, y, w)

        x, alive = x0.copy(), np.ones(len(x0), dtype=bool)  # a row stops where its search finds no step
        for it in range(1, 31):
            one = newton_batch(fgc, x[alive], max_iter=1, ftol=0.0, gtol=0.0, adapt_damping=False, value=fv)
            x[alive] = one.x
            alive[np.flatnonzero(alive)[one.status == 0]] = False
            run = newton_batch(fgc, x0, max_iter=it, ftol=0.0, gtol=0.0, adapt_damping=False, value=fv)
            np.testing.assert_array_equal(run.x, x)
        assert alive.sum() >= 2  # rows still on their way after 30 iterations: a ridge
