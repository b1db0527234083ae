"""The routed-model law (replication/laws/routed.py): formula, saturating transform, Jacobian, and a known-answer fit."""

import numpy as np
import pytest

from replication.fitting import fit_multistart, squared, start_grid
from replication.laws import get_law
from replication.laws.routed import saturating_transform

THETA = np.array([[-0.08, -0.12, 0.01, 1.1, 1.0, 8.0], [-0.05, 0.05, -0.02, 0.9, 2.5, 6.0]])
X = {"N": np.array([1.5e7, 1e8, 3.7e8, 1.3e9, 2e9]), "E": np.array([1.0, 8.0, 64.0, 512.0, 4096.0])}


def _direct(theta, X):
    """L from the paper's formula, one parameter row at a time."""
    out = []
    for a, b, c, d, s, m in theta:
        e_start, e_max = 2.0**s, 2.0**m
        e_hat = 1.0 / (1.0 / (X["E"] - 1 + 1.0 / (1.0 / e_start - 1.0 / e_max)) + 1.0 / e_max)
        lN, lE = np.log10(X["N"]), np.log10(e_hat)
        out.append(10.0 ** (a * lN + b * lE + c * lN * lE + d))
    return np.array(out)


def test_log_predict_matches_formula():
    law = get_law("routed_bilinear")
    np.testing.assert_allclose(law.predict(THETA, X), _direct(THETA, X), rtol=1e-12)


def test_saturating_transform_limits():
    s, m = np.array([[1.0]]), np.array([[8.0]])  # E_start = 2, E_max = 256
    E = np.array([1.0, 3.0, 1e9])
    ln_hat = saturating_transform(E, s, m)[0][0]
    e_hat = np.exp(ln_hat)
    assert e_hat[0] == pytest.approx(2.0, rel=1e-12)  # E = 1 maps to E_start
    # moderate E: close to E + E_start - 1 = 4 (1/E_hat = 1/(E - 1 + 256/127) + 1/256)
    assert e_hat[1] == pytest.approx(1.0 / (1.0 / (2.0 + 256.0 / 127.0) + 1.0 / 256.0), rel=1e-12)
    assert e_hat[2] == pytest.approx(256.0, rel=1e-6)  # saturates at E_max


def test_transform_undefined_when_start_exceeds_max():
    ln_hat = saturating_transform(np.array([4.0]), np.array([[5.0]]), np.array([[3.0]]))[0]
    assert np.isnan(ln_hat).all()


def test_analytic_jacobian_matches_finite_differences():
    law = get_law("routed_bilinear")
    logf, jac = law.log_jacobian(THETA, X)
    h = 1e-6
    for j in range(THETA.shape[1]):
        up, dn = THETA.copy(), THETA.copy()
        up[:, j] += h
        dn[:, j] -= h
        numeric = (law.log_predict(up, X) - law.log_predict(dn, X)) / (2 * h)
        np.testing.assert_allclose(jac[..., j], numeric, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(logf, law.log_predict(THETA, X), rtol=1e-14)


def test_natural_params():
    nat = get_law("routed_bilinear").natural_params(THETA[0])
    assert nat["E_start"] == pytest.approx(2.0) and nat["E_max"] == pytest.approx(256.0)
    assert (nat["a"], nat["b"], nat["c"], nat["d"]) == pytest.approx((-0.08, -0.12, 0.01, 1.1))


def test_fit_recovers_known_coefficients():
    """Noise-free losses from known coefficients on a Clark-like design (5 sizes x 1..512 experts) are fitted back."""
    law = get_law("routed_bilinear")
    sizes = np.array([1.5e7, 2.5e7, 5.5e7, 3.7e8, 1.3e9])
    experts = 2.0 ** np.arange(10)
    N, E = (v.ravel() for v in np.meshgrid(sizes, experts))
    truth = np.array([-0.082, -0.11, 0.009, 1.1, 1.2, 8.3])
    y = law.predict(truth, {"N": N, "E": E})
    grid = start_grid(law.params, {"a": [-0.1, 0.0], "b": [-0.1, 0.1], "c": [-0.05, 0.05], "d": [0.5, 1.5],
                                   "s": [0.0, 2.0], "m": [5.0, 10.0]})
    fit = fit_multistart(law, squared(), {"N": N, "E": E}, y, grid)
    np.testing.assert_allclose(fit.theta, truth, rtol=1e-5, atol=1e-6)
