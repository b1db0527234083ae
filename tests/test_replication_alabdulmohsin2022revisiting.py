"""Alabdulmohsin et al. 2022 end to end on the released benchmark (all 92 curves, 4 estimators).

2,000 resamples of the curves for the win-share interval, as `make` runs it; the fits themselves do not depend on
the bootstrap count. The paper's repository publishes no per-curve numbers, so besides the claim the
test checks the project's own recorded results, with tolerances stated where a fit can move.
"""

import numpy as np
import pandas as pd
import pytest

from replication.data import load_table
from replication.paths import mirror_dir

KEY = "alabdulmohsin2022revisiting"


@pytest.fixture(scope="module")
def result(made):
    return made(KEY)


def _table(result, name):
    t = result["tables"][name]
    return pd.DataFrame(t["rows"], columns=t["columns"])


def test_language_file_repeats_are_dropped():
    raw = pd.read_csv(mirror_dir() / "revisiting-neural-scaling-laws" / "benchmark.lang.csv")
    assert len(raw) == 1399 and raw.duplicated().sum() == 687
    assert len(load_table("revisiting-neural-scaling-laws", "lang")) == 712


def test_all_curves_fitted_by_all_estimators(result):
    assert result["status"] == "ok", result.get("error")
    per_curve = _table(result, "per_curve")
    assert len(per_curve) == 92
    assert per_curve["Domain"].value_counts().to_dict() == {"IC": 72, "BB": 10, "NMT": 5, "LM": 5}
    est = _table(result, "estimators").set_index("estimator")
    assert (est["curves"] == 92).all()
    assert est.loc["M1", "converged"] == 92 and est.loc["M2", "converged"] == 92
    assert est.loc["M4", "converged"] >= 85  # recorded 87: a few M4 fits stop on flat ridges at the iteration cap
    health = {h["fit"]: h for h in result["fit_health"]}
    assert health["M1"]["status"] == "ok" and health["M4"]["status"] == "warn"
    assert health["M4"]["value"] == est.loc["M4", "converged"]


def test_extrapolation_errors_match_recorded_values(result):
    est = _table(result, "estimators").set_index("estimator")
    # M1 is a linear regression in log space: its errors are exact to rounding
    assert est.loc["M1", "mean_rmse_log"] == pytest.approx(0.0962694, abs=1e-6)
    # M2 and M3 converge on every curve but one; M4's value moves by up to ~1e-4 with where capped fits stop
    assert est.loc["M2", "mean_rmse_log"] == pytest.approx(0.060473, abs=2e-5)
    assert est.loc["M3", "mean_rmse_log"] == pytest.approx(0.048351, abs=2e-4)
    assert est.loc["M4", "mean_rmse_log"] == pytest.approx(0.03455, abs=5e-4)
    assert est["mean_rmse_log"].is_monotonic_decreasing  # M1 > M2 > M3 > M4 on average


def test_m4_wins_most_curves(result):
    q = result["quantities"]
    # recorded 58.5 of 92; a capped M4 fit landing elsewhere can move a close call, hence +-1.5
    assert 57.0 <= q["M4_wins"]["value"] <= 60.0
    total = sum(q[f"M{i}_wins"]["value"] for i in range(1, 5))
    assert total == pytest.approx(92.0)
    (claim,) = result["claims"]
    assert claim["claim"] == "m4_best_on_most" and claim["verdict"] == "reproduced"
    assert claim["provenance"] == "unverified"
    low, high = q["M4_win_share"]["intervals"]["0.8"]
    assert 0.5 < low < q["M4_win_share"]["value"] < high


def test_extrapolation_rows_per_estimator(result):
    rows = {r["fit"]: r for r in result["extrapolation"]}
    assert set(rows) == {"M1", "M2", "M3", "M4"}
    assert all(r["n_fit"] == 4272 and r["n_held_out"] == 15323 for r in rows.values())
    assert rows["M4"]["rmse_log"] < rows["M1"]["rmse_log"]
    assert np.isfinite(rows["M4"]["are"])


def test_the_winner_is_rescored_under_other_errors_without_refitting(result):
    """The scoring alternatives run in a plain make (the main run's curve fits reused); the criterion and grid
    alternatives, which refit all 368 curves, wait for the full study."""
    sens = result["sensitivity"]
    rows = {r["spec"]: r for r in sens["rows"] if r["claim"] == "m4_best_on_most"}
    assert {"main", "win_error_are", "win_error_max_are", "win_untruncated"} <= set(rows)
    assert all(rows[s]["fits_changed"] == ["M1", "M2", "M3", "M4"] for s in ("win_error_are", "win_untruncated"))
    assert len({rows[s]["value"] for s in ("main", "win_error_are", "win_error_max_are", "win_untruncated")}) == 4
    skipped = {s["spec"]: s["reason"] for s in sens["skipped"] if s["fit"] == "script"}
    assert "make robustness" in skipped["huber_0.01"] and "win_error_rmse_log" in skipped
