"""Many multi-start fits advanced together, the confirmation round, and the damped Newton stage, on synthetic
Chinchilla-form data with a known optimum."""

import numpy as np
import pytest

from replication.fitting import fit_multistart, huber_log, squared, start_grid
from replication.fitting.engine import minimize_fits
from replication.fitting.multistart import fit_multistart_many
from replication.laws import get_law

LAW = get_law("chinchilla")
TRUE = np.array([np.log(400.0), np.log(1000.0), np.log(1.7), 0.34, 0.28])  # a, b, e, alpha, beta


def _data(noise=0.01, seed=0):
    rng = np.random.default_rng(seed)
    N = 10 ** rng.uniform(7, 9.5, 80)
    D = 10 ** rng.uniform(9, 11.5, 80)
    X = {"N": N, "D": D}
    y = LAW.predict(TRUE, X) * np.exp(noise * rng.standard_normal(80))
    return X, y


GRID = start_grid(LAW.params, {"a": [0, 5, 10], "b": [0, 5, 10], "e": [-1, 0, 1], "alpha": [0, 0.5], "beta": [0, 0.5]})


def test_many_weightings_give_each_its_own_fit():
    X, y = _data()
    rng = np.random.default_rng(1)
    W = rng.multinomial(len(y), np.full(len(y), 1 / len(y)), size=3).astype(float)
    together = fit_multistart_many(LAW, huber_log(1e-3), X, y, GRID, W)
    for w, fit in zip(W, together):
        alone = fit_multistart(LAW, huber_log(1e-3), X, y, GRID, weights=w, confirm=False, adapt_damping=True)
        assert fit.fun == pytest.approx(alone.fun, rel=1e-12)
        np.testing.assert_allclose(fit.theta, alone.theta, rtol=1e-8, atol=1e-10)
        assert fit.screened.shape == GRID.shape


def test_damped_and_undamped_newton_reach_the_known_least_squares_optimum():
    X, y = _data(noise=0.0)  # exact data: the optimum is the true parameters
    start = np.tile(TRUE + np.array([0.5, -0.5, 0.3, 0.05, -0.05]), (1, 1))
    for damped in (True, False):
        res = minimize_fits(LAW, squared("log"), X, y, np.ones_like(y), start, adapt_damping=damped)
        np.testing.assert_allclose(res.x[0], TRUE, rtol=1e-6, atol=1e-6)
        assert res.converged[0]


def test_confirmation_runs_more_starts_until_a_second_one_reaches_the_optimum():
    X, y = _data(noise=0.002)  # least squares with little noise: one optimum, near the true parameters
    plain = fit_multistart(LAW, squared("log"), X, y, GRID, keep_min=1, keep_fraction=0.0, confirm=False)
    confirmed = fit_multistart(LAW, squared("log"), X, y, GRID, keep_min=1, keep_fraction=0.0)
    assert plain.n_at_best == 1  # one start ran
    assert confirmed.n_at_best >= 2 and confirmed.fun <= plain.fun
    np.testing.assert_allclose(confirmed.theta, TRUE, rtol=0.05, atol=0.05)


def test_confirmation_never_raises_the_optimum():
    X, y = _data(noise=0.05, seed=3)
    plain = fit_multistart(LAW, huber_log(1e-3), X, y, GRID, keep_min=2, keep_fraction=0.0, confirm=False)
    confirmed = fit_multistart(LAW, huber_log(1e-3), X, y, GRID, keep_min=2, keep_fraction=0.0)
    assert confirmed.fun <= plain.fun


def test_the_same_point_estimate_asked_again_comes_from_memory_as_a_copy(monkeypatch):
    """A fit asked for twice with the same law, criterion, data, starts and options runs once; the copy handed back
    can be changed without changing the next; other data or options refit."""
    import replication.fitting.multistart as ms
    from replication.fitting import make_objective
    from replication.fitting.multistart import fit_multistart
    from replication.laws import get_law

    law = get_law("power_law_offset")
    rng = np.random.default_rng(7)
    X = {"x": np.exp(np.linspace(0, 6, 20))}
    y = 2.0 + 5.0 * X["x"] ** -0.4 * np.exp(rng.normal(0, 0.01, 20))
    starts = np.array([[1.0, 0.5, 0.3], [2.0, 0.0, 0.6], [0.5, 1.0, 0.2]])
    obj = make_objective({"name": "squared", "space": "log"})
    monkeypatch.setattr(ms, "_memo", ms.OrderedDict())
    runs = {"n": 0}
    many = ms.fit_multistart_many

    def counted(*a, **k):
        runs["n"] += 1
        return many(*a, **k)

    monkeypatch.setattr(ms, "fit_multistart_many", counted)
    first = fit_multistart(law, obj, X, y, starts)
    first.theta[:] = 0.0
    second = fit_multistart(law, obj, X, y, starts)
    assert runs["n"] == 1 and np.all(second.theta != 0.0)
    fresh = many(law, obj, X, y, starts, np.ones((1, 20)), confirm=True, adapt_damping=False)[0]
    np.testing.assert_array_equal(second.theta, fresh.theta)
    assert second.fun == fresh.fun
    fit_multistart(law, obj, X, y * 1.01, starts)
    fit_multistart(law, obj, X, y, starts, screen_iter=5)
    assert runs["n"] == 3


def test_screen_blocks_bound_memory_without_changing_a_number(monkeypatch):
    """The screen runs in blocks of rows x points; a block smaller than one weighting's starts (here 7 starts, not
    a divisor of the grid) splits that weighting across blocks and gives the same numbers to the bit."""
    import replication.fitting.multistart as multistart

    X, y = _data()
    rng = np.random.default_rng(2)
    W = rng.multinomial(len(y), np.full(len(y), 1 / len(y)), size=2).astype(float)
    whole = fit_multistart_many(LAW, huber_log(1e-3), X, y, GRID, W, keep_min=4)
    monkeypatch.setattr(multistart, "SCREEN_ELEMENTS", 7 * len(y))
    blocks = fit_multistart_many(LAW, huber_log(1e-3), X, y, GRID, W, keep_min=4)
    for a, b in zip(whole, blocks):
        assert a.fun == b.fun
        np.testing.assert_array_equal(a.theta, b.theta)
        np.testing.assert_array_equal(a.screened, b.screened)
