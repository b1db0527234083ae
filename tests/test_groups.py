"""Grouped fits scored on held-out rows: known power laws per group, bad groups reported, jobs give equal results."""

import numpy as np
import pandas as pd
import pytest

from replication.errors import DataError
from replication.fitting import squared, start_grid
from replication.fitting.groups import fit_and_score, fit_groups
from replication.laws import get_law

LAW = get_law("power_law_offset")
TRUTH = {"g1": (2.0, 0.5, 0.4), "g2": (0.7, 0.1, 0.9), "g3": (5.0, 1.2, 0.25)}  # A, E, alpha


def _frame(n=12):
    rows = []
    for g, (A, E, alpha) in TRUTH.items():
        x = np.geomspace(1.0, 1e3, n)
        for i, xi in enumerate(x):
            rows.append({"group": g, "x": xi, "y": E + A * xi**-alpha, "held": i >= n - 3})
    rows.append({"group": "tiny", "x": 1.0, "y": 1.0, "held": False})
    rows.append({"group": "tiny", "x": 2.0, "y": 0.9, "held": True})
    return pd.DataFrame(rows)


GRID = start_grid(LAW.params, {"a": [-1.0, 1.0], "e": [-2.0, 0.0], "alpha": [0.2, 1.0]})


def test_each_group_recovers_its_law_and_predicts_its_held_out_rows():
    out = fit_groups(_frame(), ["group"], LAW, squared("log"), GRID, inputs={"x": "x"}, target="y", held_out="held")
    assert list(out["group"]) == ["g1", "g2", "g3", "tiny"]
    good = out[out["error"] == ""]
    assert len(good) == 3 and good["converged"].all()
    assert (good["n_fit"] == 9).all() and (good["n_held_out"] == 3).all()
    assert good["rmse_log"].max() < 1e-7 and good["are"].max() < 1e-7
    for _, row in good.iterrows():
        A, E, alpha = TRUTH[row["group"]]
        assert row["param_alpha"] == pytest.approx(alpha, rel=1e-5)
        assert np.exp(row["param_e"]) == pytest.approx(E, rel=1e-5)
    assert out.loc[out["group"] == "tiny", "error"].item() == "too few fit or held-out points"


def test_worker_processes_give_identical_results():
    one = fit_groups(_frame(), ["group"], LAW, squared("log"), GRID, inputs={"x": "x"}, target="y", held_out="held")
    two = fit_groups(_frame(), ["group"], LAW, squared("log"), GRID, inputs={"x": "x"}, target="y", held_out="held",
                     n_jobs=2)
    pd.testing.assert_frame_equal(one, two)


def test_missing_column_is_a_clear_error():
    with pytest.raises(DataError, match="held_out_flag"):
        fit_groups(_frame(), ["group"], LAW, squared("log"), GRID, inputs={"x": "x"}, target="y", held_out="held_out_flag")


def test_fit_and_score_reports_in_sample_and_held_out_errors():
    x = np.geomspace(1.0, 100.0, 10)
    y = 0.5 + 2.0 * x**-0.4
    out = fit_and_score(LAW, squared("log"), GRID, {"x": x[:7]}, y[:7], {"x": x[7:]}, y[7:])
    assert out["in_sample_rmse_log"] < 1e-8 and out["rmse_log"] < 1e-7
    assert out["_predicted"].shape == (3,)
