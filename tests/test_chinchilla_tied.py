"""The Hoffmann form with alpha = beta (law chinchilla_tied): formula, Jacobian, allocation, known-answer fit."""

import numpy as np
import pytest

from replication.fitting import fit_multistart, huber_log, start_grid
from replication.laws import get_law
from replication.laws.allocation import DERIVED

X = {"N": np.array([1e7, 3e7, 1e8, 5e8, 2e9, 1e10]), "D": np.array([1e8, 1e11, 3e9, 2e10, 5e8, 1e11])}
THETA = np.array([[np.log(400.0), np.log(2000.0), np.log(1.8), 0.34], [np.log(10.0), np.log(50.0), np.log(0.5), 0.7]])


def test_equals_chinchilla_with_beta_set_to_alpha():
    tied, full = get_law("chinchilla_tied"), get_law("chinchilla")
    expanded = np.column_stack([THETA, THETA[:, 3]])
    np.testing.assert_allclose(tied.log_predict(THETA, X), full.log_predict(expanded, X), rtol=1e-14)
    nat = tied.natural_params(THETA[0])
    assert nat["beta"] == nat["alpha"] == pytest.approx(0.34)


def test_analytic_jacobian_matches_finite_differences():
    law = get_law("chinchilla_tied")
    _, jac = law.log_jacobian(THETA, X)
    h = 1e-6
    for j in range(4):
        up, dn = THETA.copy(), THETA.copy()
        up[:, j] += h
        dn[:, j] -= h
        np.testing.assert_allclose(jac[..., j], (law.log_predict(up, X) - law.log_predict(dn, X)) / (2 * h),
                                   rtol=1e-6, atol=1e-8)


def test_allocation_splits_compute_equally():
    """With alpha = beta: N_opt and D_opt both grow as C^0.5, and D/N = (B/A)^(1/alpha) at every budget."""
    law = get_law("chinchilla_tied")
    nat = law.natural_params(THETA[0])
    out = DERIVED["chinchilla_tied"](nat, {"compute_budgets": [1e20, 5.88e23]})
    assert out["a_alloc"] == pytest.approx(0.5) and out["b_alloc"] == pytest.approx(0.5)
    ratio = (2000.0 / 400.0) ** (1 / 0.34)
    assert out["tokens_per_param@1e+20"] == pytest.approx(ratio, rel=1e-12)
    assert out["tokens_per_param@5.88e+23"] == pytest.approx(ratio, rel=1e-12)


def test_fit_recovers_known_constants():
    law = get_law("chinchilla_tied")
    N, D = (v.ravel() for v in np.meshgrid(np.geomspace(1e7, 1e9, 6), np.geomspace(1e8, 1e10, 6)))
    truth = np.array([np.log(300.0), np.log(900.0), np.log(1.7), 0.3])
    y = law.predict(truth, {"N": N, "D": D})
    grid = start_grid(law.params, {"a": [0, 5, 10], "b": [0, 5, 10], "e": [-1, 0, 1], "alpha": [0, 0.5, 1]})
    fit = fit_multistart(law, huber_log(1e-3), {"N": N, "D": D}, y, grid)
    np.testing.assert_allclose(fit.theta, truth, rtol=1e-6, atol=1e-7)
