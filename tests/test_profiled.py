"""The profiled exponent search (fitting/profiled.py): its inner solver, and a planted optimum a poor start grid misses."""

import numpy as np
import pytest
from scipy.optimize import nnls

from replication.fitting import fit_multistart, huber_log, squared, start_grid
from replication.fitting.profiled import _weighted_nnls, certify, profile_exponents
from replication.laws import get_law


def _chinchilla_data(n=150, sd=0.01, seed=1):
    rng = np.random.default_rng(seed)
    law = get_law("chinchilla")
    X = {"N": np.exp(rng.uniform(np.log(1e7), np.log(1e10), n)), "D": np.exp(rng.uniform(np.log(1e9), np.log(1e12), n))}
    true = np.array([np.log(400.0), np.log(1800.0), np.log(1.7), 0.34, 0.28])
    return law, X, law.predict(true, X) * np.exp(rng.normal(0, sd, n)), true


def test_weighted_nnls_matches_scipy():
    rng = np.random.default_rng(0)
    for _ in range(30):
        Phi = np.abs(rng.normal(size=(1, 40, 3))) * np.array([1.0, 1e-3, 10.0])
        z = rng.normal(size=(1, 40)) + Phi[0] @ rng.normal(size=3)
        w = rng.uniform(0.5, 2.0, size=(1, 40))
        ours = _weighted_nnls(Phi, z, w)[0]
        ref, _ = nnls(Phi[0] * np.sqrt(w[0])[:, None], z[0] * np.sqrt(w[0]))
        np.testing.assert_allclose(ours, ref, rtol=1e-7, atol=1e-9)


def test_linear_least_squares_profile_is_exact_nnls():
    """For least squares on the loss scale the inner problem is NNLS: the profile equals scipy's at any exponents."""
    law, X, y, true = _chinchilla_data()
    ex = np.array([[0.34, 0.28], [0.6, 0.1]])
    theta, fun = profile_exponents(law, squared("linear"), X, y, ex)
    for k, (alpha, beta) in enumerate(ex):
        Phi = np.stack([X["N"] ** -alpha, X["D"] ** -beta, np.ones_like(y)], axis=1)
        c, res = nnls(Phi, y)
        assert fun[k] == pytest.approx(0.5 * res**2, rel=1e-8)
        np.testing.assert_allclose(np.exp(theta[k, :3]), c, rtol=1e-6)


@pytest.mark.parametrize("objective", [huber_log(1e-3), squared("log")], ids=["huber", "squared_log"])
def test_planted_optimum_found_that_a_poor_start_misses(objective):
    law, X, y, true = _chinchilla_data()
    poor = fit_multistart(law, objective, X, y, np.array([[0.0, 10.0, 1.0, 2.0, 0.05]]))  # a start grid of one bad start
    cert = certify(law, objective, X, y, poor.theta, poor.fun)
    assert cert.lower_found and cert.gap > 0.5 * poor.fun  # the poor fit's objective is several times the global one
    assert abs(cert.theta[3] - true[3]) < 0.1 and abs(cert.theta[4] - true[4]) < 0.05


def test_good_grid_is_confirmed():
    law, X, y, _ = _chinchilla_data()
    objective = huber_log(1e-3)
    grid = start_grid(law.params, {"a": [0, 5, 10], "b": [0, 5, 10], "e": [-1, 0, 1], "alpha": [0, 0.5, 1], "beta": [0, 0.5, 1]})
    good = fit_multistart(law, objective, X, y, grid, keep_fraction=1.0)
    cert = certify(law, objective, X, y, good.theta, good.fun, starts=grid)
    assert not cert.lower_found
    assert abs(cert.gap) <= 1e-6 * good.fun
    assert "global" in cert.summary()


def test_power_law_with_offset():
    rng = np.random.default_rng(3)
    law = get_law("power_law_offset")
    X = {"x": np.logspace(0, 4, 60)}
    true = np.array([np.log(5.0), np.log(0.8), 0.7])
    y = law.predict(true, X) * np.exp(rng.normal(0, 0.005, 60))
    fit = fit_multistart(law, squared("log"), X, y, np.array([[-5.0, 2.0, 3.0]]))
    cert = certify(law, squared("log"), X, y, fit.theta, fit.fun)
    assert not cert.lower_found and cert.grid["alpha"][2] == 301
    assert cert.theta[2] == pytest.approx(0.7, abs=0.03)
    worse = fit.theta + np.array([0.0, 0.0, 0.3])  # a claimed optimum that is not one: the search reports the gap
    cert = certify(law, squared("log"), X, y, worse, float(squared("log").value(law, worse, X, y, np.ones(60))[0]))
    assert cert.lower_found and "LOWER" in cert.summary()


def test_profile_blocks_change_no_number(monkeypatch):
    """The exponent grid is profiled in blocks of grid x data points (bounding the memory); any block size gives
    the same numbers to the bit, as each grid point is its own problem."""
    import replication.fitting.profiled as profiled

    law, X, y, _ = _chinchilla_data()
    ex = np.stack(np.meshgrid(np.linspace(0.1, 0.8, 11), np.linspace(0.1, 0.8, 9)), -1).reshape(-1, 2)
    whole = profile_exponents(law, huber_log(1e-3), X, y, ex)
    monkeypatch.setattr(profiled, "GRID_ELEMENTS", 7 * y.size)  # blocks of 7 grid points
    blocks = profile_exponents(law, huber_log(1e-3), X, y, ex)
    np.testing.assert_array_equal(whole[0], blocks[0])
    np.testing.assert_array_equal(whole[1], blocks[1])
