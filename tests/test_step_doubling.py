"""Majoriser steps that pass at full length are doubled while the objective keeps falling: the line search takes
the doublings exactly, and on a nearly piecewise-linear criterion (a profiled Huber likelihood, whose quadratic
zone holds almost no residual) refits reach their optimum in far fewer iterations than without."""

from __future__ import annotations

import numpy as np

from replication.fitting import make_objective
from replication.fitting.engine import rows_of
from replication.fitting.linesearch import armijo_batch
from replication.fitting.newton import newton_batch
from replication.laws import get_law


def test_a_passing_full_step_doubles_while_the_objective_falls():
    """f(x) = |x - 10| from 0 along +1: steps 1, 2, 4, 8 keep falling, 16 rises; halving-only stays at 1."""
    target = np.array([[10.0], [0.5]])

    def value(x, rows):
        return np.abs(x[:, 0] - target[rows, 0])

    def evaluate(x, rows):
        return (value(x, rows), np.sign(x - target[rows]))

    x, d = np.zeros((2, 1)), np.ones((2, 1))
    f, slope = value(x, np.arange(2)), -np.ones(2)
    for extend, expect in ((10, [8.0, 0.5]), (0, [1.0, 0.5]), (2, [4.0, 0.5])):
        t = np.ones(2)
        x_new, outs, failed = armijo_batch(evaluate, x, np.arange(2), d, f, slope, t, 40, value=value, extend=extend)
        np.testing.assert_array_equal(t, expect)  # row 1 overshoots at length 1 and halves to 0.5, never doubles
        np.testing.assert_array_equal(x_new[:, 0], expect)
        np.testing.assert_array_equal(outs[0], value(x_new, np.arange(2)))
        assert not failed.any()


def test_doubled_majoriser_steps_reach_the_profiled_huber_optimum_in_fewer_iterations():
    law = get_law("chinchilla")
    rng = np.random.default_rng(11)
    n = 120
    X = {"N": np.exp(rng.uniform(np.log(1e7), np.log(1e10), n)), "D": np.exp(rng.uniform(np.log(1e9), np.log(1e12), n))}
    truth = np.array([6.0, 7.5, 0.6, 0.35, 0.36])
    y = np.exp(law.log_predict(truth[None], X)[0] + rng.laplace(0, 0.01, n))
    obj = make_objective({"name": "huber_likelihood", "delta": 1e-3})
    W = rng.multinomial(n, np.full(n, 1 / n), size=40).astype(float)  # 40 bootstrap resamples

    def fgc(theta, rows):
        with np.errstate(all="ignore"):
            return obj.value_grad_curvature(law, theta, *rows_of(X, y, W, rows))

    def fv(theta, rows):
        with np.errstate(all="ignore"):
            return obj.value(law, theta, *rows_of(X, y, W, rows))

    x0 = np.tile(truth, (len(W), 1))
    runs = {k: newton_batch(fgc, x0, max_iter=200, value=fv, doublings=k) for k in (0, 10)}
    best = newton_batch(fgc, x0, max_iter=5000, value=fv).fun  # run to convergence
    gap = {k: (r.fun - best) / np.abs(best) for k, r in runs.items()}
    assert runs[10].n_iter.mean() < 0.6 * runs[0].n_iter.mean()
    assert np.median(gap[10]) <= 1e-12 and np.quantile(gap[10], 0.9) <= 1e-9
    assert gap[10].max() <= gap[0].max()
