"""IsoFLOP minima (replication/fitting/isoflop.py, budgets by tolerance) on synthetic runs whose optimum is known in closed form."""

import numpy as np
import pandas as pd
import pytest

from replication.errors import AuditError
from replication.fitting.isoflop import isoflop_minima, tokens_per_param
from replication.laws.allocation import allocation

A, B, E, ALPHA, BETA = 400.0, 2000.0, 1.7, 0.34, 0.28


def _runs(budgets, sizes_per_budget=9, spread=4.0):
    """For each budget, sizes spaced evenly in log around the true optimum, trained on D = C / (6 N)."""
    rows = []
    for C in budgets:
        n_opt = allocation(A, B, ALPHA, BETA, [C])[f"N_opt@{C:.3g}"]
        for N in np.geomspace(n_opt / spread, n_opt * spread, sizes_per_budget):
            D = C / (6 * N)
            rows.append({"C": C, "N": N, "loss": E + A * N**-ALPHA + B * D**-BETA})
    return pd.DataFrame(rows)


@pytest.mark.parametrize("method, rtol", [("akima", 0.05), ("parabola", 0.05)])
def test_minima_match_closed_form_optimum(method, rtol):
    budgets = [1e19, 1e20, 1e21]
    runs = _runs(budgets)
    out = isoflop_minima(runs["C"], runs["N"], runs["loss"], budgets, method=method)
    assert list(out["n_sizes"]) == [9, 9, 9]
    for C, n_star in zip(budgets, out["N_star"]):
        assert n_star == pytest.approx(allocation(A, B, ALPHA, BETA, [C])[f"N_opt@{C:.3g}"], rel=rtol)
    # the power law through the minima has the closed-form exponent beta / (alpha + beta)
    slope = np.polyfit(np.log(budgets), np.log(out["N_star"]), 1)[0]
    assert slope == pytest.approx(BETA / (ALPHA + BETA), abs=0.02)


def test_budget_membership_uses_relative_tolerance_and_best_run_per_size():
    runs = pd.DataFrame({"C": [1.0e18, 1.09e18, 1.12e18, 1.0e18, 1.0e18],
                         "N": [1e8, 2e8, 3e8, 1e8, 4e8],
                         "loss": [3.0, 2.9, 2.8, 2.95, 3.1]})
    out = isoflop_minima(runs["C"], runs["N"], runs["loss"], [1e18], tolerance=0.1)
    row = out.iloc[0]
    assert row["n_runs"] == 4  # 1.12e18 is more than 10% away
    assert row["n_sizes"] == 3  # two runs share N = 1e8; the better (2.95) is kept
    assert np.isfinite(row["N_star"]) and 1e8 < row["N_star"] < 4e8


def test_edge_minimum_and_too_few_sizes_give_no_optimum():
    runs = pd.DataFrame({"C": [1e18] * 3 + [1e19] * 2, "N": [1e8, 2e8, 4e8, 1e8, 2e8],
                         "loss": [3.0, 2.9, 2.8, 3.0, 2.9]})
    out = isoflop_minima(runs["C"], runs["N"], runs["loss"], [1e18, 1e19, 1e20])
    assert out["N_star"].isna().all()
    assert list(out["note"]) == ["minimum at the edge of the size range", "fewer than 3 model sizes",
                                 "fewer than 3 model sizes"]
    assert list(out["n_runs"]) == [3, 2, 0]


def test_tokens_per_param_and_errors():
    # N* = 0.1 C^0.5 at C = 6e20: N* = 0.1 * sqrt(6e20), D* = C / (6 N*), ratio = C / (6 N*^2) = 1 / (6 * 0.01) = 16.67
    assert tokens_per_param(0.1, 0.5, 6e20) == pytest.approx(1 / 0.06, rel=1e-12)
    with pytest.raises(AuditError):
        isoflop_minima([1.0], [1.0], [1.0], [1.0], method="spline")
    with pytest.raises(AuditError):
        isoflop_minima([1.0, 2.0], [1.0], [1.0], [1.0])
