"""Profile intervals (uncertainty/profile.py) against analytic answers."""

import numpy as np
import pytest
from scipy.stats import chi2

from replication.fitting import fit_multistart, huber_likelihood, huber_log, squared
from replication.laws import get_law
from replication.laws.allocation import chinchilla_derived
from replication.uncertainty.profile import calibration, profile_interval, profiled_quantities


def test_least_squares_profile_matches_the_analytic_interval():
    """Log-log least squares is linear regression: the profile interval with sigma^2 = SS / n is exactly
    slope +/- sqrt(chi2_1(0.95) sigma^2 [(X'X)^-1]_slope)."""
    rng = np.random.default_rng(2)
    law = get_law("power_law")
    x = np.logspace(0, 3, 80)
    y = 3.0 * x ** -0.4 * np.exp(rng.normal(0, 0.05, x.size))
    fit = fit_multistart(law, squared("log"), {"x": x}, y, np.array([[0.0, 0.5]]))
    Z = np.stack([np.ones_like(x), -np.log(x)], axis=1)
    coef, ss, *_ = np.linalg.lstsq(Z, np.log(y), rcond=None)
    half = np.sqrt(chi2.ppf(0.95, 1) * ss[0] / x.size * np.linalg.inv(Z.T @ Z)[1, 1])
    elim = profiled_quantities(law, {})["alpha"]
    pi = profile_interval(law, squared("log"), {"x": x}, y, fit, "alpha", elim, coef[1], step=half / 2)
    assert pi.low_reached and pi.high_reached and not pi.lower_optimum
    assert pi.low == pytest.approx(coef[1] - half, rel=1e-5)
    assert pi.high == pytest.approx(coef[1] + half, rel=1e-5)


def _chinchilla():
    rng = np.random.default_rng(1)
    law = get_law("chinchilla")
    X = {"N": np.exp(rng.uniform(np.log(1e7), np.log(1e10), 200)), "D": np.exp(rng.uniform(np.log(1e9), np.log(1e12), 200))}
    true = np.array([np.log(400.0), np.log(1800.0), np.log(1.7), 0.34, 0.28])
    y = law.predict(true, X) * np.exp(rng.normal(0, 0.01, 200))
    return law, X, y


def test_derived_quantity_profiles_hold_the_constraint():
    """Each eliminator's constrained law keeps q(theta) = v; the interval contains the estimate."""
    law, X, y = _chinchilla()
    obj = huber_likelihood(1e-3)
    fit = fit_multistart(law, obj, X, y, np.array([[6.0, 7.5, 0.5, 0.3, 0.3]]))
    settings = {"compute_budgets": [1e22]}
    nat = {k: np.asarray(v) for k, v in law.natural_params(fit.theta).items()}
    values = {**nat, **chinchilla_derived(nat, settings)}
    for name, elim in profiled_quantities(law, settings).items():
        v = float(values[name])
        j = law.params.index(elim.param)
        full = fit.theta[None, :].copy()
        assert elim.solve(full, v)[0] == pytest.approx(fit.theta[j], rel=1e-9)  # the estimate satisfies its constraint
        pi = profile_interval(law, obj, X, y, fit, name, elim, v, step=0.05 * abs(v))
        assert pi.low < v < pi.high and pi.low_reached and pi.high_reached, name


def test_calibrations_say_what_they_are():
    law, X, y = _chinchilla()
    theta = np.array([np.log(400.0), np.log(1800.0), np.log(1.7), 0.34, 0.28])
    assert calibration(huber_likelihood(1e-3), law, theta, X, y)[0] == 1.0
    k, how = calibration(huber_log(1e-3), law, theta, X, y)
    assert k > 0 and "drop-in-dispersion" in how
    k, how = calibration(squared("log"), law, theta, X, y)
    r = np.log(y) - np.log(law.predict(theta, X))
    assert k == pytest.approx(y.size / np.sum(r * r))


@pytest.mark.parametrize("weighted", [False, True])
def test_the_line_profile_is_the_t_interval(weighted):
    """Approach-2 lines: the profile of the (weighted) least-squares criterion in the slope, the intercept minimised
    out numerically here, reaches the F(1, n - 2) cutoff exactly at the ends of the line's t interval, which the
    audit therefore reports as the profile interval (uncertainty/profile.py, LINE_CALIBRATION)."""
    from scipy.optimize import minimize_scalar
    from scipy.stats import f as f_dist

    from replication.fitting.loglog import fit_power_law

    rng = np.random.default_rng(4)
    C = np.geomspace(1e18, 1e22, 9)
    sd = rng.uniform(0.02, 0.1, C.size) if weighted else None
    x = 0.1 * C**0.5 * np.exp(rng.normal(0, 0.05, C.size))
    fit = fit_power_law(C, x, sd)
    lo, hi = fit.exponent_interval(0.95)
    w = np.ones(C.size) if sd is None else 1 / sd**2
    lc, lx = np.log(C), np.log(x)

    def criterion(a):
        return minimize_scalar(lambda b: float(np.sum(w * (lx - b - a * lc) ** 2)), bracket=(-50, 50), tol=1e-12).fun

    s_min = criterion(fit.exponent)
    cut = s_min * (1 + f_dist.ppf(0.95, 1, C.size - 2) / (C.size - 2))
    assert criterion(lo) == pytest.approx(cut, rel=1e-6) and criterion(hi) == pytest.approx(cut, rel=1e-6)
    assert criterion(fit.exponent + 0.9 * (hi - fit.exponent)) < cut < criterion(fit.exponent + 1.1 * (hi - fit.exponent))
