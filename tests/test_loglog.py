"""Weighted log-log power-law fits and their two intervals, on synthetic data with known answers."""

import numpy as np
import pytest

from replication.errors import FitError
from replication.fitting.loglog import fit_power_law, wls_lines
from replication.uncertainty.power_law import bootstrap_power_law


def _data(n=12, a=0.7, k=3e-2, seed=0, noisy=True):
    rng = np.random.default_rng(seed)
    x = np.geomspace(1e16, 1e20, n)
    sigma = np.linspace(0.05, 0.2, n)
    y = k * x**a * (np.exp(sigma * rng.standard_normal(n)) if noisy else 1.0)
    return x, y, sigma


def test_exact_power_law_is_recovered():
    x, y, sigma = _data(noisy=False)
    fit = fit_power_law(x, y, sigma)
    assert fit.exponent == pytest.approx(0.7, abs=1e-10)
    assert fit.coef == pytest.approx(3e-2, rel=1e-8)
    assert fit.r2 == pytest.approx(1.0)
    np.testing.assert_allclose(fit.predict(x), y, rtol=1e-8)


def test_weighted_fit_matches_closed_form_and_asymptotic_interval():
    x, y, sigma = _data()
    fit = fit_power_law(x, y, sigma)
    # numpy's polyfit weights multiply residuals, so w = 1/sigma is WLS with weights 1/sigma^2
    slope, icpt = np.polyfit(np.log(x), np.log(y), 1, w=1 / sigma)
    assert fit.exponent == pytest.approx(slope, abs=1e-10)
    assert fit.log_coef == pytest.approx(icpt, abs=1e-8)
    # t-interval by hand: residual scale s^2 = sum w r^2 / (n - 2), var(slope) = s^2 / sum w (lx - mean_w lx)^2
    lx, ly, w = np.log(x), np.log(y), 1 / sigma**2
    r = ly - (icpt + slope * lx)
    s2 = (w * r**2).sum() / (len(x) - 2)
    se = np.sqrt(s2 / (w * (lx - (w * lx).sum() / w.sum()) ** 2).sum())
    from scipy.stats import t
    lo, hi = fit.exponent_interval(0.95)
    assert fit.se_exponent == pytest.approx(se, rel=1e-8)
    assert hi - lo == pytest.approx(2 * t.ppf(0.975, len(x) - 2) * se, rel=1e-8)
    assert fit.weighted and not fit_power_law(x, y).weighted


def test_prediction_interval_matches_statsmodels():
    import statsmodels.api as sm

    x, y, sigma = _data()
    fit = fit_power_law(x, y, sigma)
    res = sm.WLS(np.log(y), sm.add_constant(np.log(x)), weights=1 / sigma**2).fit()
    frame = res.get_prediction(np.array([[1.0, np.log(3e22)]])).summary_frame(alpha=0.05)
    lo, hi = fit.predict_interval(3e22, 0.95)
    assert np.log(lo) == pytest.approx(frame["mean_ci_lower"].iloc[0], abs=1e-9)
    assert np.log(hi) == pytest.approx(frame["mean_ci_upper"].iloc[0], abs=1e-9)
    assert lo < fit.predict(3e22) < hi


def test_batched_lines_equal_single_fits():
    x, y, sigma = _data()
    ys = np.stack([y, y * 1.1, y**1.01])
    slope, icpt = wls_lines(np.log(x), np.log(ys), 1 / sigma**2)
    for j in range(3):
        f = fit_power_law(x, ys[j], sigma)
        assert slope[j] == pytest.approx(f.exponent, abs=1e-10)
        assert icpt[j] == pytest.approx(f.log_coef, abs=1e-8)


def test_parametric_bootstrap_spread_matches_known_sigma():
    x, y, sigma = _data()
    boot = bootstrap_power_law(x, y, sigma, n_boot=4000, seed=7)
    # with known sigma the slope's standard deviation is 1 / sqrt(sum w (lx - mean_w lx)^2)
    lx, w = np.log(x), 1 / sigma**2
    sd = 1 / np.sqrt((w * (lx - (w * lx).sum() / w.sum()) ** 2).sum())
    assert np.std(boot.exponent) == pytest.approx(sd, rel=0.05)  # 4,000 draws: SD of an SD estimate ~1.1%
    point = fit_power_law(x, y, sigma).exponent
    assert np.mean(boot.exponent) == pytest.approx(point, abs=6 * sd / np.sqrt(4000))  # six Monte Carlo SEs
    lo, hi = boot.exponent_interval(0.95)
    assert lo < fit_power_law(x, y, sigma).exponent < hi
    assert "parametric" in boot.description


def test_pairs_bootstrap_on_exact_data_returns_the_exponent():
    x, y, _ = _data(noisy=False)
    boot = bootstrap_power_law(x, y, n_boot=200, seed=1, kind="pairs")
    finite = np.isfinite(boot.exponent)
    assert finite.sum() >= 199  # a resample with a single distinct x has no slope
    np.testing.assert_allclose(boot.exponent[finite], 0.7, atol=1e-9)


def test_bootstrap_is_deterministic_per_seed():
    x, y, sigma = _data()
    a = bootstrap_power_law(x, y, sigma, n_boot=50, seed=(3, 11))
    b = bootstrap_power_law(x, y, sigma, n_boot=50, seed=(3, 11))
    c = bootstrap_power_law(x, y, sigma, n_boot=50, seed=(3, 12))
    np.testing.assert_array_equal(a.exponent, b.exponent)
    assert not np.array_equal(a.exponent, c.exponent)


def test_bad_input_is_named():
    x, y, sigma = _data()
    y[3] = -1.0
    with pytest.raises(FitError, match="y value .* position 3.*Fix"):
        fit_power_law(x, y, sigma)
    with pytest.raises(FitError, match="needs sigma"):
        bootstrap_power_law(*_data()[:2], n_boot=10, seed=0)
    with pytest.raises(FitError, match="sigma has 2 values"):
        fit_power_law(x, np.abs(y), sigma[:2])
