"""Perturbation resampling within digitisation error, on a synthetic power law with known answer."""

from __future__ import annotations

import numpy as np

from replication.fitting.multistart import fit_multistart
from replication.fitting.objectives import make_objective
from replication.fitting.starts import start_grid
from replication.laws.base import get_law
from replication.uncertainty.intervals import percentile_interval
from replication.uncertainty.perturb import KIND_PERTURB, perturbation_refits, perturbed


def _setup():
    law = get_law("chinchilla")
    rng = np.random.default_rng(0)
    N = 10 ** rng.uniform(7, 10, 60)
    D = 10 ** rng.uniform(9, 11, 60)
    theta = np.log([400.0, 1500.0, 1.8]).tolist() + [0.34, 0.37]
    y = law.predict(np.array(theta), {"N": N, "D": D})
    obj = make_objective({"name": "huber", "delta": 1e-3})
    grid = start_grid(law.params, {"a": {"start": 0, "stop": 10, "step": 5}, "b": {"start": 0, "stop": 10, "step": 5},
                                   "e": {"start": 0, "stop": 1, "step": 0.5}, "alpha": {"start": 0, "stop": 1, "step": 0.5},
                                   "beta": {"start": 0, "stop": 1, "step": 0.5}})
    X = {"N": N, "D": D}
    return law, obj, X, y, fit_multistart(law, obj, X, y, grid)


def test_perturbed_stays_within_errors_and_positive():
    rng = np.random.default_rng(1)
    v = np.array([1.0, 2.0, 3.0])
    out = perturbed(v, np.array([0.5, 0.0, 10.0]), rng, positive=True)
    assert abs(out[0] - 1.0) <= 0.5 and out[1] == 2.0 and out[2] >= 0.3
    assert np.array_equal(perturbed(v, None, rng, positive=False), v)


def test_zero_error_gives_the_point_estimate_and_errors_widen():
    law, obj, X, y, point = _setup()
    zero = perturbation_refits(law, obj, X, y, point, x_errors={}, y_error=None, n=5, seed=3)
    assert zero.description == KIND_PERTURB
    np.testing.assert_allclose(zero.theta, np.repeat(point.theta[None, :], 5, axis=0), atol=1e-6)
    small = perturbation_refits(law, obj, X, y, point, x_errors={"N": 0.002 * X["N"]}, y_error=0.002 * y, n=40, seed=3)
    large = perturbation_refits(law, obj, X, y, point, x_errors={"N": 0.02 * X["N"]}, y_error=0.02 * y, n=40, seed=3)
    alpha = law.params.index("alpha")
    w_small = np.diff(percentile_interval(small.theta[:, alpha], 0.9))[0]
    w_large = np.diff(percentile_interval(large.theta[:, alpha], 0.9))[0]
    assert 0 < w_small < w_large
    lo, hi = percentile_interval(small.theta[:, alpha], 0.95)
    assert lo < 0.34 < hi  # the true exponent is inside the perturbation interval


def test_same_seed_same_draws_and_bootstrap_adds_spread():
    law, obj, X, y, point = _setup()
    kw = dict(x_errors={"N": 0.01 * X["N"]}, y_error=0.01 * y, n=20, seed=9)
    a = perturbation_refits(law, obj, X, y, point, **kw)
    b = perturbation_refits(law, obj, X, y, point, **kw)
    assert np.array_equal(a.theta, b.theta)
    both = perturbation_refits(law, obj, X, y, point, with_bootstrap=True, **kw)
    assert both.with_bootstrap and "bootstrap" in both.description
    assert not np.array_equal(both.theta, a.theta)


def test_zero_error_with_bootstrap_shares_the_resamples():
    law, obj, X, y, point = _setup()
    boot = perturbation_refits(law, obj, X, y, point, x_errors={}, y_error=None, n=8, seed=5, with_bootstrap=True)
    again = perturbation_refits(law, obj, X, y, point, x_errors={"N": 0.0 * X["N"]}, y_error=0.0 * y, n=8, seed=5,
                                with_bootstrap=True)
    np.testing.assert_allclose(boot.theta, again.theta, rtol=1e-12)
