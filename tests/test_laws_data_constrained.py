"""Muennighoff et al.'s data-constrained law and the fixed-parameter wrapper: formula, Jacobian, known-answer fits."""

import numpy as np
import pytest

from replication.fitting import fit_multistart, huber_log, start_grid
from replication.laws import get_law
from replication.laws.fixed import fix_params

# runs spanning one epoch to many, with and without excess parameters
N = np.array([1.4e7, 1.4e7, 8.3e7, 1.5e8, 1.5e8, 4.2e8, 1.1e9, 2.8e9, 2.8e9, 8.7e9, 6.2e8, 2.2e8])
D = np.array([1e8, 9e10, 1.5e9, 1.4e10, 1.7e11, 3.9e9, 1.2e10, 5.5e10, 4.8e9, 1.78e11, 2.2e10, 3e11])
U = np.array([1e8, 1e8, 1e8, 1.5e9, 4e8, 4e8, 4.8e9, 1.4e10, 4e8, 2.5e10, 1e8, 1.5e9])
X = {"N": N, "D": D, "U": U}


def _direct(A, B, E, alpha, beta, rd, rn):
    """The authors' published formula, written out."""
    G = ((alpha * A) / (beta * B)) ** (1 / (alpha + beta))
    RD = np.maximum(D / U - 1, 0)
    UN = np.minimum(N, (U * G) ** (beta / alpha) * G)
    RN = np.maximum(N / UN - 1, 0)
    return E + A / (UN + UN * rn * (1 - np.exp(-RN / rn))) ** alpha + B / (U + U * rd * (1 - np.exp(-RD / rd))) ** beta


def _numeric_jac(law, theta, h=1e-6):
    cols = []
    for j in range(theta.shape[1]):
        up, dn = theta.copy(), theta.copy()
        up[:, j] += h
        dn[:, j] -= h
        cols.append((law.log_predict(up, X) - law.log_predict(dn, X)) / (2 * h))
    return np.stack(cols, axis=-1)


PUBLISHED = [6.255414, 7.3049974, 0.6254804, 0.3526596, np.log(15.387756), np.log(5.309743)]


def test_tied_law_matches_the_published_formula():
    law = get_law("data_constrained")
    theta = np.array([PUBLISHED])
    want = _direct(np.exp(6.255414), np.exp(7.3049974), np.exp(0.6254804), 0.3526596, 0.3526596, 15.387756, 5.309743)
    np.testing.assert_allclose(law.predict(theta, X)[0], want, rtol=1e-12)
    nat = law.natural_params(theta[0])
    assert nat["R_D_star"] == pytest.approx(15.387756) and nat["R_N_star"] == pytest.approx(5.309743)


def test_untied_law_matches_formula_and_both_jacobians_are_exact():
    law = get_law("data_constrained_untied")
    theta = np.array([[5.9, 8.6, 0.64, 0.34, 0.39, np.log(20.0), np.log(3.0)], [6.5, 7.0, 0.5, 0.3, 0.36, 1.0, 2.5]])
    for t, row in zip(theta, law.predict(theta, X)):
        want = _direct(np.exp(t[0]), np.exp(t[1]), np.exp(t[2]), t[3], t[4], np.exp(t[5]), np.exp(t[6]))
        np.testing.assert_allclose(row, want, rtol=1e-12)
    for name, th in [("data_constrained_untied", theta), ("data_constrained", np.array([PUBLISHED, [6.0, 7.5, 0.5, 0.3, 2.0, 0.5]]))]:
        lw = get_law(name)
        _, jac = lw.log_jacobian(th, X)
        np.testing.assert_allclose(jac, _numeric_jac(lw, th), rtol=1e-5, atol=1e-8)


def test_fixed_wrapper_fits_only_the_free_parameters_and_recovers_them():
    base = get_law("data_constrained")
    fixed = dict(zip(("a", "b", "e", "alpha"), PUBLISHED[:4]))
    law = fix_params(base, fixed, "data_constrained_test_fixed", report=["R_D_star", "R_N_star"])
    assert law.params == ("log_rd_star", "log_rn_star")
    assert fix_params(base, fixed, "data_constrained_test_fixed", report=["R_D_star", "R_N_star"]) is law
    with pytest.raises(ValueError):
        fix_params(base, {"a": 1.0}, "data_constrained_test_fixed")
    with pytest.raises(ValueError):
        fix_params(base, {"zeta": 1.0}, "data_constrained_test_other")
    y = base.predict(np.array(PUBLISHED), X)
    np.testing.assert_allclose(law.predict(np.array(PUBLISHED[4:]), X), y, rtol=1e-14)
    _, jac = law.log_jacobian(np.array([[2.0, 1.0]]), X)
    np.testing.assert_allclose(jac, _numeric_jac(law, np.array([[2.0, 1.0]])), rtol=1e-5, atol=1e-8)
    grid = start_grid(law.params, {"log_rd_star": list(np.log([20 / 3, 40 / 3, 20])),
                                   "log_rn_star": list(np.log([20 / 3, 40 / 3, 20]))})
    fit = fit_multistart(law, huber_log(1e-3), X, y, grid)
    nat = law.natural_params(fit.theta)
    assert set(nat) == {"R_D_star", "R_N_star"}
    assert nat["R_D_star"] == pytest.approx(15.387756, rel=1e-4)
    assert nat["R_N_star"] == pytest.approx(5.309743, rel=1e-4)


@pytest.mark.parametrize("log_rs", [37.0, 45.0, 200.0])
def test_a_large_decay_constant_approaches_the_face_without_cancellation(log_rs):
    """R* far above every run's repetitions: D' = U (1 + R) and N' = N to rounding (the face log R* = inf), with
    gradients that vanish like R / R*. Written as 1 - exp(-R / R*), both collapse to U once R / R* < 1e-16 (excess
    data and parameters worth nothing), a spurious regime a fit can settle in."""
    law = get_law("data_constrained")
    base = np.array([PUBLISHED])
    far, face = base.copy(), base.copy()
    far[0, -2:] = log_rs
    face[0, -2:] = np.inf
    np.testing.assert_allclose(law.log_predict(far, X), law.log_predict(face, X), rtol=1e-12, atol=0)
    _, jac = law.log_jacobian(far, X)
    _, jac_face = law.log_jacobian(face, X)
    np.testing.assert_allclose(jac[..., :-2], jac_face[..., :-2], rtol=1e-9, atol=1e-12)
    R = np.maximum(D / U - 1, 0)
    assert np.all(np.abs(jac[..., -2]) <= 2 * R.max() * np.exp(-log_rs) + 1e-300)


def test_one_minus_one_plus_x_exp_is_accurate_on_both_sides_of_the_series_switch():
    """1 - (1 + x) e^-x against exact rational arithmetic of its Taylor series (x small) and the direct form (x large),
    on arrays mixing both, so the series computed on the small entries alone lands in the right places."""
    from fractions import Fraction
    import math

    from replication.laws.data_constrained import SERIES_BELOW, _one_minus_one_plus_x_exp

    x = np.array([[1e-8, 0.5, 3e-3, 20.0], [SERIES_BELOW * 0.999, SERIES_BELOW, 2.0, 1e-5]])
    got = _one_minus_one_plus_x_exp(x, np.exp(-x))
    for xi, gi in zip(x.ravel(), got.ravel()):
        if xi < 1.0:  # exact to 40 terms: the series converges fast here
            fx = Fraction(xi)
            exact = float(sum((-1) ** k * (k - 1) * fx**k / math.factorial(k) for k in range(2, 40)))
        else:
            exact = 1.0 - (1.0 + xi) * math.exp(-xi)
        assert gi == pytest.approx(exact, rel=1e-14, abs=0.0)
