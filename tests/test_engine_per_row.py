"""Data per row: every law evaluates input columns (K, n) row by row, and the engine and the multi-start fit of
several data sets at once give each the result of fitting it alone."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import replication.laws  # noqa: F401  (registers every law)
from replication.fitting.engine import minimize_fits
from replication.fitting.multistart import fit_multistart_many
from replication.fitting.objectives import make_objective
from replication.fitting.starts import start_grid
from replication.laws.base import _REGISTRY, get_law


@pytest.mark.parametrize("name", sorted(_REGISTRY))
def test_every_law_takes_inputs_per_row(name):
    law = get_law(name)
    rng = np.random.default_rng(0)
    K, n = 3, 7
    theta = rng.uniform(0.1, 0.5, (K, law.n_params))
    X = {k: rng.uniform(2.0, 50.0, (K, n)) for k in law.inputs}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        logf, jac = law.log_jacobian(theta, X)
        assert logf.shape == (K, n) and jac.shape == (K, n, law.n_params)
        np.testing.assert_array_equal(law.log_predict(theta, X), logf)
        for i in range(K):
            one_f, one_j = law.log_jacobian(theta[i:i + 1], {k: v[i] for k, v in X.items()})
            np.testing.assert_array_equal(logf[i], one_f[0])
            np.testing.assert_array_equal(jac[i], one_j[0])


def _data(S: int):
    law = get_law("chinchilla")
    rng = np.random.default_rng(1)
    N, D = 10 ** rng.uniform(7, 10, 40), 10 ** rng.uniform(9, 11, 40)
    truth = np.array(np.log([400.0, 1500.0, 1.8]).tolist() + [0.34, 0.37])
    y = law.predict(truth, {"N": N, "D": D})
    X = {"N": N * np.exp(rng.normal(0, 0.02, (S, N.size))), "D": np.broadcast_to(D, (S, D.size)).copy()}
    Y = y * np.exp(rng.normal(0, 0.01, (S, y.size)))
    return law, make_objective({"name": "huber", "delta": 1e-3}), X, Y, truth


def test_engine_fits_each_row_on_its_own_data():
    law, obj, X, Y, truth = _data(4)
    W = np.ones_like(Y)
    together = minimize_fits(law, obj, X, Y, W, np.tile(truth, (4, 1)))
    for s in range(4):
        alone = minimize_fits(law, obj, {k: v[s] for k, v in X.items()}, Y[s], W[s], truth[None, :])
        np.testing.assert_array_equal(together.x[s], alone.x[0])
        assert together.fun[s] == alone.fun[0]


def test_multistart_fits_each_weighting_on_its_own_data():
    law, obj, X, Y, _ = _data(3)
    grid = start_grid(law.params, {"a": [0.0, 6.0], "b": [0.0, 7.0], "e": [0.0, 0.5], "alpha": [0.2, 0.5],
                                   "beta": [0.2, 0.5]})
    W = np.ones_like(Y)
    together = fit_multistart_many(law, obj, X, Y, grid, W, keep_fraction=0.0, keep_min=8)
    for s in range(3):
        alone = fit_multistart_many(law, obj, {k: v[s] for k, v in X.items()}, Y[s], grid, W[s:s + 1],
                                    keep_fraction=0.0, keep_min=8)[0]
        np.testing.assert_array_equal(together[s].theta, alone.theta)
        assert together[s].fun == alone.fun


@pytest.mark.parametrize("per_row_data", [True, False])
def test_engine_blocks_of_rows_change_no_number(monkeypatch, per_row_data):
    """Rows minimised in blocks (bounded rows x points) give the numbers of all rows at once, to the bit, with the
    law's faces in play (some rows start on the E = 0 face)."""
    import replication.fitting.engine as engine

    law, obj, X, Y, truth = _data(9)
    rng = np.random.default_rng(3)
    W = rng.multinomial(Y.shape[1], np.full(Y.shape[1], 1 / Y.shape[1]), size=9).astype(float)
    if not per_row_data:
        X, Y = {k: v[0] for k, v in X.items()}, Y[0]
    x0 = np.tile(truth, (9, 1)) + rng.normal(0, 0.05, (9, truth.size))
    e = law.params.index("e")
    x0[::3, e] = dict(law.faces)["e"]
    whole = minimize_fits(law, obj, X, Y, W, x0)
    monkeypatch.setattr(engine, "FIT_ELEMENTS", 4 * Y.shape[-1])  # blocks of 4, 4 and 1 rows
    sizes, inner = [], engine._minimize
    monkeypatch.setattr(engine, "_minimize", lambda law, obj, X, y, W, x0, *a: sizes.append(len(x0)) or inner(law, obj, X, y, W, x0, *a))
    blocks = minimize_fits(law, obj, X, Y, W, x0)
    assert sizes and max(sizes) <= 4
    for name in ("x", "fun", "grad", "n_iter", "converged", "status"):
        np.testing.assert_array_equal(getattr(whole, name), getattr(blocks, name))
    assert np.isfinite(whole.fun).all()
