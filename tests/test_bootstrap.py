"""Bootstrap resampling weights, refits, and interval estimates."""

import numpy as np
import pytest

from replication.fitting import fit_multistart, squared, start_grid
from replication.laws import get_law
from replication.uncertainty import bootstrap_fit, bootstrap_se, percentile_interval, summarise
from replication.uncertainty.resample import CHUNK, chunk_sizes, resample_weights


# --- resample weights ----------------------------------------------------------------------------

def test_resample_weights_rows_sum_to_n():
    W = resample_weights(17, 40, seed=5, chunk_index=0, n_chunks=1)
    assert W.shape == (40, 17)
    np.testing.assert_array_equal(W.sum(axis=1), np.full(40, 17.0))
    assert (W >= 0).all() and np.all(W == np.round(W))
    # resamples differ from one another and from the original sample
    assert len({tuple(r) for r in W}) > 35
    assert not np.all(W == 1.0)


def test_resample_weights_same_seed_same_draws():
    a = resample_weights(30, 50, seed=123, chunk_index=1, n_chunks=3)
    b = resample_weights(30, 50, seed=123, chunk_index=1, n_chunks=3)
    np.testing.assert_array_equal(a, b)
    c = resample_weights(30, 50, seed=124, chunk_index=1, n_chunks=3)
    assert not np.array_equal(a, c)
    d = resample_weights(30, 50, seed=123, chunk_index=2, n_chunks=3)
    assert not np.array_equal(a, d)


def test_resample_weights_chunk_independent_of_number_of_chunks():
    """Chunk i's draws depend only on (seed, i, size): adding chunks does not change earlier ones."""
    a = resample_weights(20, 10, seed=7, chunk_index=1, n_chunks=2)
    b = resample_weights(20, 10, seed=7, chunk_index=1, n_chunks=9)
    np.testing.assert_array_equal(a, b)


def test_resample_weights_mean_count_is_one():
    W = resample_weights(10, 4000, seed=0, chunk_index=0, n_chunks=1)
    # each count is Binomial(10, 1/10): mean 1, variance 0.9
    np.testing.assert_allclose(W.mean(axis=0), 1.0, atol=0.06)
    np.testing.assert_allclose(W.var(axis=0), 0.9, rtol=0.12)


def test_chunk_sizes():
    assert chunk_sizes(1200) == [CHUNK, CHUNK, 200]
    assert chunk_sizes(CHUNK) == [CHUNK]
    assert chunk_sizes(7, chunk=3) == [3, 3, 1]
    assert sum(chunk_sizes(1234)) == 1234


# --- bootstrap_fit -------------------------------------------------------------------------------

def _power_law_data(n=40, slope=0.3, sigma=0.1, seed=11):
    rng = np.random.default_rng(seed)
    x = np.exp(rng.uniform(0, np.log(1e4), n))
    y = 2.0 * x**-slope * np.exp(rng.normal(0, sigma, n))
    return {"x": x}, y


def _point_fit(X, y):
    law = get_law("power_law")
    starts = start_grid(law.params, {"a": [0.0, 2.0], "alpha": [0.0, 1.0]})
    return law, starts, fit_multistart(law, squared("log"), X, y, starts)


def test_point_fit_equals_ols():
    X, y = _power_law_data()
    law, starts, fit = _point_fit(X, y)
    slope, intercept = np.polyfit(np.log(X["x"]), np.log(y), 1)
    np.testing.assert_allclose(fit.theta, [intercept, -slope], rtol=1e-8)


def test_bootstrap_identical_for_n_jobs_1_and_2():
    X, y = _power_law_data(n=25)
    law, starts, fit = _point_fit(X, y)
    n_boot = CHUNK + 60  # two chunks, so two workers really get different work
    r1 = bootstrap_fit(law, squared("log"), X, y, fit, starts, n_boot=n_boot, seed=2024, n_jobs=1)
    r2 = bootstrap_fit(law, squared("log"), X, y, fit, starts, n_boot=n_boot, seed=2024, n_jobs=2)
    assert r1.n == r2.n == n_boot
    np.testing.assert_array_equal(r1.theta, r2.theta)
    np.testing.assert_array_equal(r1.fun, r2.fun)
    np.testing.assert_array_equal(r1.converged, r2.converged)
    assert r1.n_grid_refits == r2.n_grid_refits
    assert r1.seed == 2024
    # a different seed gives different replicates
    r3 = bootstrap_fit(law, squared("log"), X, y, fit, starts, n_boot=50, seed=2025, n_jobs=1)
    assert not np.array_equal(r3.theta, r1.theta[:50])


def test_bootstrap_replicates_are_weighted_refits():
    """Each replicate is the optimum of the objective under that resample's counts."""
    X, y = _power_law_data(n=20)
    law, starts, fit = _point_fit(X, y)
    res = bootstrap_fit(law, squared("log"), X, y, fit, starts, n_boot=30, seed=9)
    W = resample_weights(y.size, 30, 9, 0, 1)
    logx, logy = np.log(X["x"]), np.log(y)
    for b in range(30):
        slope, intercept = np.polyfit(logx, logy, 1, w=np.sqrt(W[b]))
        np.testing.assert_allclose(res.theta[b], [intercept, -slope], rtol=1e-7, atol=1e-9)
    assert res.converged.all()


def test_bootstrap_se_of_slope_matches_ols_se():
    sm = pytest.importorskip("statsmodels.api")
    X, y = _power_law_data(n=60, sigma=0.15, seed=21)
    law, starts, fit = _point_fit(X, y)
    ols = sm.OLS(np.log(y), sm.add_constant(np.log(X["x"]))).fit()
    ols_slope_se = float(ols.bse[1])
    res = bootstrap_fit(law, squared("log"), X, y, fit, starts, n_boot=400, seed=1)
    se = bootstrap_se(res.theta[:, 1])
    assert se == pytest.approx(ols_slope_se, rel=0.25)
    # the bootstrap distribution is centred on the point estimate
    assert abs(np.mean(res.theta[:, 1]) - fit.theta[1]) < 0.3 * ols_slope_se


# --- intervals -----------------------------------------------------------------------------------

def test_percentile_interval_matches_numpy_quantiles():
    rng = np.random.default_rng(0)
    s = rng.normal(size=1001)
    for level in (0.5, 0.8, 0.95):
        lo, hi = percentile_interval(s, level)
        qlo, qhi = np.quantile(s, [(1 - level) / 2, (1 + level) / 2])
        assert lo == qlo and hi == qhi
    lo, hi = percentile_interval(np.arange(101.0), 0.9)
    assert lo == pytest.approx(5.0, abs=1e-12) and hi == pytest.approx(95.0, abs=1e-12)


def test_percentile_interval_ignores_failed_refits_keeps_face_limits():
    s = np.array([1.0, 2.0, np.nan, 3.0, np.inf, 4.0, 5.0])
    # NaN (a failed refit) is dropped; inf (a refit on a face, e.g. R* = inf) is a replicate like any other
    assert percentile_interval(s, 0.5) == (2.25, 4.75)
    assert percentile_interval(s, 0.95) == (pytest.approx(1.125), np.inf)
    lo, hi = percentile_interval(np.array([np.nan]), 0.9)
    assert np.isnan(lo) and np.isnan(hi)


@pytest.mark.parametrize("level", [0.0, 1.0, -0.5, 1.5, 95])
def test_percentile_interval_level_outside_unit_interval_raises(level):
    with pytest.raises(ValueError, match="level"):
        percentile_interval(np.arange(10.0), level)


def test_bootstrap_se_and_summarise():
    s = np.array([1.0, 2.0, 3.0, 4.0, np.nan])
    assert bootstrap_se(s) == pytest.approx(np.std([1, 2, 3, 4], ddof=1))
    assert np.isnan(bootstrap_se(np.array([1.0])))
    out = summarise(2.5, s, levels=(0.5,))
    assert out["value"] == 2.5
    assert out["se"] == pytest.approx(np.std([1, 2, 3, 4], ddof=1))
    assert out["intervals"]["0.5"] == list(np.quantile([1, 2, 3, 4], [0.25, 0.75]))
    assert summarise(1.0, None) == {"value": 1.0}


def test_screening_alternative_starts_changes_no_refit(monkeypatch):
    """Screening the next-best optima (a few Newton steps, continued only where competitive) gives the same
    refits as running every candidate to convergence, on a Chinchilla-form problem with several local optima."""
    import replication.uncertainty.bootstrap as boot
    from replication.fitting import huber_log

    law = get_law("chinchilla")
    rng = np.random.default_rng(3)
    n = 60
    X = {"N": np.exp(rng.uniform(np.log(1e7), np.log(1e10), n)), "D": np.exp(rng.uniform(np.log(1e9), np.log(1e12), n))}
    y = law.predict(np.array([6.0, 6.0, 0.5, 0.34, 0.28]), X) * np.exp(rng.normal(0, 0.01, n))
    grid = start_grid(law.params, {"a": [0, 5, 10], "b": [0, 5, 10], "e": [-1, 0, 1], "alpha": [0, 0.5, 1], "beta": [0, 0.5, 1]})
    obj = huber_log(1e-3)
    point = fit_multistart(law, obj, X, y, grid)
    assert point.minima.shape[0] >= 2  # the case exercises the alternative candidates
    screened = bootstrap_fit(law, obj, X, y, point, grid, n_boot=60, seed=4)
    monkeypatch.setattr(boot, "SCREEN_MARGIN", np.inf)  # every candidate continues to convergence
    full = bootstrap_fit(law, obj, X, y, point, grid, n_boot=60, seed=4)
    np.testing.assert_allclose(screened.fun, full.fun, rtol=1e-12)


def test_optima_with_the_same_predictions_are_one_candidate():
    """Optima apart only in the parameters of a vanished term (A / N^alpha with a = -40 or -45) predict the same
    losses: the resamples are refitted from one of them, not both; distinct optima stay, and none is added."""
    from types import SimpleNamespace

    from replication.uncertainty.bootstrap import _distinct_fits

    law = get_law("chinchilla")
    X = {"N": np.geomspace(1e7, 1e10, 30), "D": np.geomspace(1e9, 1e12, 30)}
    best = np.array([6.0, 7.0, 0.5, 0.34, 0.28])
    vanished = np.array([-40.0, 7.5, 0.6, 0.3, 0.3])
    same = vanished + np.array([-5.0, 0.0, 0.0, 0.7, 0.0])  # a and alpha differ, the term is still nil
    other = np.array([5.0, 8.0, 0.4, 0.3, 0.3])
    point = SimpleNamespace(theta=best, minima=np.vstack([best, vanished, same, other]))
    assert np.array_equal(_distinct_fits(law, X, point, 3), np.vstack([best, vanished]))
    point.minima = np.vstack([best, vanished, other, same])
    assert np.array_equal(_distinct_fits(law, X, point, 3), np.vstack([best, vanished, other]))
    assert np.array_equal(_distinct_fits(law, X, point, 1), best[None, :])
