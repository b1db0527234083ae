"""The engine and the straightforward reference (benchmarks/reference.py) find the same optimum on small cases.

Speed is measured by `make bench`, never here. Here the reference runs to machine precision (reference.TIGHT);
with numerical gradients that is the accuracy asked of the agreement, and the engine must never be worse. With
scipy's default tolerances (the benchmark's setting) the reference stops early on these problems.
"""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks import reference
from replication.fitting import fit_multistart, make_objective, start_grid
from replication.laws import get_law
from replication.uncertainty.bootstrap import bootstrap_fit
from replication.uncertainty.resample import resample_weights

LAW = get_law("chinchilla")
TRUE = np.array([np.log(400.0), np.log(410.0), np.log(1.7), 0.34, 0.28])


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(11)
    n = 40
    X = {"N": np.exp(rng.uniform(np.log(1e7), np.log(1e10), n)), "D": np.exp(rng.uniform(np.log(1e9), np.log(1e12), n))}
    y = LAW.predict(TRUE, X) * np.exp(rng.normal(0, 0.01, n))
    grid = start_grid(LAW.params, {"a": [4, 7], "b": [4, 7], "e": [0, 0.5], "alpha": [0.2, 0.5], "beta": [0.2, 0.5]})
    return X, y, grid


@pytest.mark.parametrize("spec", [{"name": "squared"}, {"name": "huber", "delta": 1e-2}])
def test_grid_fit_same_optimum(data, spec):
    X, y, grid = data
    obj = make_objective(spec)
    engine = fit_multistart(LAW, obj, X, y, grid, keep_fraction=1.0)
    ref_x, ref_f = reference.fit_grid(LAW, obj, X, y, grid, options=reference.TIGHT)
    assert engine.fun <= ref_f * (1 + 1e-9)  # never worse than the reference
    assert engine.fun == pytest.approx(ref_f, rel=1e-6)
    nat_e, nat_r = LAW.natural_params(engine.theta), LAW.natural_params(ref_x)
    for k in nat_e:
        assert float(nat_e[k]) == pytest.approx(float(nat_r[k]), rel=1e-3), k


def test_reference_cannot_improve_the_engine_optimum(data):
    """Started at the engine's optimum, the reference optimiser finds no lower objective."""
    X, y, grid = data
    obj = make_objective({"name": "huber", "delta": 1e-2})
    engine = fit_multistart(LAW, obj, X, y, grid)
    _, f, _ = reference.fit_one(LAW, obj, X, y, np.ones_like(y), engine.theta, reference.TIGHT)
    assert f >= engine.fun * (1 - 1e-12)


def test_bootstrap_refits_match_the_reference_loop(data):
    X, y, grid = data
    obj = make_objective({"name": "squared"})
    point = fit_multistart(LAW, obj, X, y, grid)
    boot = bootstrap_fit(LAW, obj, X, y, point, grid, n_boot=12, seed=5)
    W = resample_weights(len(y), 12, 5, 0, 1)
    _, ref_f = reference.bootstrap(LAW, obj, X, y, point.theta, W, reference.TIGHT)
    assert np.all(boot.fun <= ref_f * (1 + 1e-9))
    np.testing.assert_allclose(boot.fun, ref_f, rtol=1e-5)  # finite differences limit the reference
