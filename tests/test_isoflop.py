"""Per-budget IsoFLOP optima (quadratic and Akima) and the within-budget bootstrap, on synthetic curves."""

import numpy as np
import pandas as pd
import pytest

from replication.errors import FitError
from replication.fitting.isoflop import (akima_minimum, bootstrap_quadratic_optima, budget_optima, quadratic_fit,
                                         quadratic_fits)
from replication.fitting.loglog import fit_power_law

BUDGETS = np.array([1e18, 1e19, 1e20, 1e21])


def _isoflops(noise=0.0, seed=0, n=9):
    """Loss exactly quadratic in ln D around D*(C) = 0.3 C^0.5, optionally with noise."""
    rng = np.random.default_rng(seed)
    rows = []
    for c in BUDGETS:
        d_star = 0.3 * c**0.5
        for d in d_star * np.geomspace(0.2, 6.0, n):  # asymmetric span: the optimum is not the middle point
            loss = 3.0 - 0.1 * np.log10(c) + 0.02 * np.log(d / d_star) ** 2 + noise * rng.standard_normal()
            rows.append({"C": c, "D": d, "loss": loss})
    return pd.DataFrame(rows)


def test_quadratic_minimum_of_exact_quadratic():
    x = np.geomspace(1e8, 1e11, 7)
    q = quadratic_fit(x, 2.0 + 0.1 * (np.log(x) - np.log(3e9)) ** 2)
    assert q.has_minimum
    assert q.x_opt == pytest.approx(3e9, rel=1e-9)
    assert q.loss_opt == pytest.approx(2.0, abs=1e-12)
    assert q(3e9) == pytest.approx(2.0, abs=1e-12)
    down = quadratic_fit(x, 2.0 - 0.1 * np.log(x) ** 2)
    assert not down.has_minimum and np.isnan(down.x_opt)


def test_weighted_quadratics_ignore_zero_weights_and_flag_too_few_points():
    u = np.linspace(-2, 2, 5)
    y = 1 + 0.5 * u + 2 * u**2
    y_bad = y.copy()
    y_bad[0] += 10  # an outlier given weight zero must not move the fit
    w = np.array([[0, 1, 1, 1, 1], [1, 1, 0, 0, 0], [2, 1, 1, 1, 1]], dtype=float)
    c0, c1, c2 = quadratic_fits(u, y_bad, w)
    assert (c0[0], c1[0], c2[0]) == pytest.approx((1, 0.5, 2))
    assert np.isnan(c2[1])  # only two distinct points drawn
    assert np.isfinite(c2[2])


def test_akima_minimum_near_true_optimum_and_edge_is_none():
    x = np.geomspace(1e6, 1e9, 10)
    x0 = 4.2e7
    loss = np.exp(0.05 * np.log(x / x0) ** 2 + 1.0)
    xo, lo = akima_minimum(x, loss)
    step = np.log(x[-1] / x[0]) / ((len(x) - 1) * 25 - 1)  # one grid step in ln x
    assert abs(np.log(xo / x0)) < 2 * step
    assert lo == pytest.approx(np.e, rel=1e-3)
    assert np.isnan(akima_minimum(x, 1 + 1 / np.log(x))[0])  # monotone: the minimum is at the edge
    with pytest.raises(FitError, match="repeated x"):
        akima_minimum(np.r_[x, x[:1]], np.r_[loss, loss[:1]])


def test_budget_optima_recover_the_allocation_law():
    frame = _isoflops()
    for method in ("quadratic", "akima"):
        opt = budget_optima(frame, "C", "D", "loss", method=method)
        assert list(opt["C"]) == list(BUDGETS) and opt["valid"].all()
        tol = 1e-9 if method == "quadratic" else 0.02  # Akima: interpolation error and grid resolution
        np.testing.assert_allclose(opt["x_opt"], 0.3 * BUDGETS**0.5, rtol=tol)
        fit = fit_power_law(opt["C"], opt["x_opt"])
        assert fit.exponent == pytest.approx(0.5, abs=1e-9 if method == "quadratic" else 5e-3)


def test_within_budget_bootstrap_exact_and_noisy():
    exact = bootstrap_quadratic_optima(_isoflops(), "C", "D", "loss", n_boot=100, seed=3)
    ok = np.isfinite(exact.exponent)
    assert ok.all()
    np.testing.assert_allclose(exact.exponent, 0.5, atol=1e-8)  # every resample of an exact quadratic is exact
    np.testing.assert_allclose(exact.predict(1e22), 0.3 * 1e11, rtol=1e-6)

    noisy = _isoflops(noise=0.003, seed=1)
    boot = bootstrap_quadratic_optima(noisy, "C", "D", "loss", n_boot=400, seed=3)
    lo, hi = np.quantile(boot.exponent[np.isfinite(boot.exponent)], [0.025, 0.975])
    assert lo < 0.5 < hi and hi - lo < 0.2
    again = bootstrap_quadratic_optima(noisy, "C", "D", "loss", n_boot=400, seed=3)
    np.testing.assert_array_equal(boot.exponent, again.exponent)
    # a subset of budgets draws the same resamples for the budgets it keeps
    sub = bootstrap_quadratic_optima(noisy, "C", "D", "loss", n_boot=400, seed=3, budgets=BUDGETS[:3])
    np.testing.assert_array_equal(sub.x_opt, boot.x_opt[:, :3])


def test_isoflop_bad_input_is_named():
    frame = _isoflops()
    with pytest.raises(FitError, match="no column 'tokens'"):
        budget_optima(frame, "C", "tokens", "loss")
    bad = frame.copy()
    bad.loc[2, "D"] = 0.0
    with pytest.raises(FitError, match=r"C = 1e\+18.*point 2.*Fix"):
        budget_optima(bad, "C", "D", "loss")
    with pytest.raises(FitError, match="at least three distinct"):
        quadratic_fit([1.0, 2.0], [1.0, 0.5])


def test_quadratic_fits_count_distinct_x_per_weight_row():
    """A weight row is fitted only if it covers three distinct x values; repeated x count once."""
    from replication.fitting.isoflop import quadratic_fits
    u = np.array([1.0, 1.0, 2.0, 3.0, 3.0])
    loss = np.array([3.0, 3.1, 2.0, 3.0, 3.2])
    w = np.array([[1, 1, 0, 0, 1], [1, 0, 1, 0, 1], [0, 0, 0, 0, 0], [1, 1, 1, 1, 1.0]])
    c2 = quadratic_fits(u, loss, w)[2]
    assert np.isnan(c2[0]) and np.isnan(c2[2])  # two distinct x; no points
    assert c2[1] == pytest.approx(1.1) and np.isfinite(c2[3])  # exact parabola through (1, 3), (2, 2), (3, 3.2)


def test_batched_akima_is_scipys_interpolant_to_the_bit():
    """The batched Akima curves equal scipy's Akima1DInterpolator row by row exactly, on curves of 3 to 9 points,
    including straight stretches (where the Akima slope falls back to the mean of the secants)."""
    from scipy.interpolate import Akima1DInterpolator

    from replication.fitting.isoflop import akima_curves, akima_minima, akima_minimum

    rng = np.random.default_rng(7)
    for m in range(3, 10):
        x = np.sort(np.log(rng.choice(np.geomspace(1e6, 1e10, 60), size=(20, m), replace=True)), axis=1)
        x += np.arange(m) * 1e-3  # strictly increasing
        y = np.log(3 + 0.1 * (x - rng.uniform(14, 23, size=(20, 1))) ** 2 + rng.normal(0, 0.01, size=(20, m)))
        y[0] = 0.5 * x[0]  # a straight line: every Akima weight vanishes
        y[1, :3] = 1.0  # a flat stretch
        at = np.stack([np.linspace(a, b, 77) for a, b in zip(x[:, 0], x[:, -1])])
        ours = akima_curves(x, y, at)
        for g in range(20):
            np.testing.assert_array_equal(ours[g], Akima1DInterpolator(x[g], y[g])(at[g]))
        X, L = np.exp(x[2:]), np.exp(y[2:])
        xo, lo = akima_minima(X, L)
        for g in range(X.shape[0]):  # the batch gives each curve's own minimum (and NaN at an edge minimum)
            np.testing.assert_array_equal([xo[g], lo[g]], akima_minimum(X[g][::-1], L[g][::-1]))
