"""Yao & Wang 2023 end to end: a x^b + c on the 7 smallest muP widths, the 3 largest predicted.

The reference is scipy's curve_fit from the authors' start (1, -1, 3), the script's own fitting call: the suite's
multi-start least squares must land on the same optimum.
"""

import numpy as np
import pytest
from scipy.optimize import curve_fit

from replication.data import load_table

KEY = "yao2023research"


@pytest.fixture(scope="module")
def result(made):
    return made(KEY)


def _curve_fit_reference():
    runs = load_table("mu-scaling", "losses")
    x, y = runs["params_m"].to_numpy(), runs["train_loss"].to_numpy()
    popt, _ = curve_fit(lambda x, a, b, c: a * np.power(x, b) + c, x[:7], y[:7], p0=[1, -1, 3], maxfev=5000)
    return popt, x, y


def test_same_optimum_as_the_authors_curve_fit(result):
    assert result["status"] == "ok", result.get("error")
    (a, b, c), x, _ = _curve_fit_reference()
    nat = result["fits"]["main"]["natural"]
    assert nat["A"] == pytest.approx(a, rel=1e-5)
    assert result["quantities"]["b_exponent"]["value"] == pytest.approx(b, rel=1e-5)
    assert nat["E"] == pytest.approx(c, rel=1e-6)
    assert result["fits"]["main"]["n_points"] == 7


def test_predictions_of_the_three_largest_widths(result):
    (a, b, c), x, y = _curve_fit_reference()
    q = result["quantities"]
    for width, xi, yi in zip((1024, 2048, 3072), x[7:], y[7:]):
        assert q[f"predicted_loss_w{width}"]["value"] == pytest.approx(a * xi**b + c, rel=1e-6)
        assert q[f"rel_error_pct_w{width}"]["value"] == pytest.approx(100 * (a * xi**b + c - yi) / yi, rel=1e-4)
    gap = y[8] - y[9]
    errs = abs(a * x[8] ** b + c - y[8]) + abs(a * x[9] ** b + c - y[9])
    assert q["separation_ratio_largest_two"]["value"] == pytest.approx(gap / errs, rel=1e-5)


def test_claim_verdicts_follow_the_errors(result):
    q = result["quantities"]
    for c in result["claims"]:
        if c["rule"] == "relative":
            width = c["quantity"].rsplit("_w", 1)[1]
            ok = abs(q[f"rel_error_pct_w{width}"]["value"]) <= 1.0
            assert c["verdict"] == ("reproduced" if ok else "not reproduced"), c["claim"]
    claims = {c["claim"]: c for c in result["claims"]}
    assert claims["compare_models_before_training"]["verdict"] == "reproduced"
    (row,) = result["extrapolation"]
    assert (row["n_fit"], row["n_held_out"]) == (7, 3)
    assert row["are"] == pytest.approx(q["heldout_are_pct"]["value"] / 100, rel=1e-5)
