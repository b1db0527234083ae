"""Grouped fits scored on held-out rows: known power laws per group, bad groups reported, jobs give equal results."""

import numpy as np
import pandas as pd
import pytest

from replication.errors import DataError
from replication.fitting import squared, start_grid
from replication.fitting.groups import GROUP_BATCH, fit_groups
from replication.fitting.multistart import fit_multistart
from replication.fitting.scoring import fit_and_score
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


def _many(n_groups: int, seed: int = 0) -> pd.DataFrame:
    """Noisy curves of different lengths (so the batches pad), more groups than one batch holds."""
    rng = np.random.default_rng(seed)
    rows = []
    for g in range(n_groups):
        A, E, alpha, n = rng.uniform(0.5, 5.0), rng.uniform(0.1, 1.0), rng.uniform(0.2, 1.0), int(rng.integers(8, 30))
        for i, xi in enumerate(np.geomspace(1.0, 1e3, n)):
            rows.append({"group": f"g{g:03d}", "x": xi, "y": (E + A * xi**-alpha) * np.exp(rng.normal(0, 0.02)),
                         "held": i >= n - 3})
    return pd.DataFrame(rows)


def test_worker_processes_give_identical_results():
    frame = _many(GROUP_BATCH * 2 + 5)
    one = fit_groups(frame, ["group"], LAW, squared("log"), GRID, inputs={"x": "x"}, target="y", held_out="held")
    two = fit_groups(frame, ["group"], LAW, squared("log"), GRID, inputs={"x": "x"}, target="y", held_out="held",
                     n_jobs=2)
    pd.testing.assert_frame_equal(one, two)


def test_batched_groups_reach_the_optimum_each_reaches_alone():
    frame = _many(GROUP_BATCH + 7, seed=1)
    out = fit_groups(frame, ["group"], LAW, squared("log"), GRID, inputs={"x": "x"}, target="y", held_out="held",
                     keep_min=1, screen_iter=30)
    assert out["converged"].all()
    for g, sub in frame.groupby("group"):
        fit = sub[~sub["held"]]
        alone = fit_multistart(LAW, squared("log"), {"x": fit["x"].to_numpy()}, fit["y"].to_numpy(), GRID, keep_min=1,
                               screen_iter=30, confirm=False)
        row = out[out["group"] == g].iloc[0]
        assert row["n_fit"] == len(fit)
        assert row["objective"] == pytest.approx(alone.fun, rel=1e-9, abs=1e-300)
        assert [row[f"param_{k}"] for k in LAW.params] == pytest.approx(list(alone.theta), rel=1e-5, abs=1e-8)


def test_a_fit_stopped_at_the_iteration_cap_is_the_fit_alone():
    """Where an unconverged fit stops depends on its path's rounding: such a group is the group fitted by itself."""
    law = get_law("alabdulmohsin_m4")  # slow to converge on these curves: most stop at a cap of 5 L-BFGS iterations
    grid = start_grid(law.params, {"b": [-1.0, 1.0], "c": [0.3, 1.0], "e": [-3.0, -1.5], "d": [0.0, 0.7], "a": [-2.0, 0.0]})
    frame, options = _many(12, seed=2), {"max_iter": 5, "keep_min": 1, "screen_iter": 30}
    out = fit_groups(frame, ["group"], law, squared("log"), grid, inputs={"x": "x"}, target="y", held_out="held", **options)
    fitted = out[out["error"] == ""]
    assert (~fitted["converged"]).sum() >= 4
    for g, row in fitted[~fitted["converged"]].set_index("group").iterrows():
        sub = frame[frame["group"] == g]
        fit, held = sub[~sub["held"]], sub[sub["held"]]
        alone = fit_and_score(law, squared("log"), grid, {"x": fit["x"].to_numpy()}, fit["y"].to_numpy(),
                              {"x": held["x"].to_numpy()}, held["y"].to_numpy(), confirm=False, **options)
        assert row["objective"] == alone["objective"] and row["rmse_log"] == alone["rmse_log"]


def test_a_group_that_cannot_be_fitted_says_why_and_the_others_fit():
    frame = _frame()
    frame.loc[(frame["group"] == "g2") & ~frame["held"], "y"] = -1.0  # no finite log criterion anywhere
    out = fit_groups(frame, ["group"], LAW, squared("log"), GRID, inputs={"x": "x"}, target="y", held_out="held")
    bad = out[out["group"] == "g2"].iloc[0]
    assert "not finite" in bad["error"]
    good = out[out["group"].isin(["g1", "g3"])]
    assert (good["error"] == "").all() and good["rmse_log"].max() < 1e-7


def test_missing_column_is_a_clear_error():
    with pytest.raises(DataError, match="held_out_flag"):
        fit_groups(_frame(), ["group"], LAW, squared("log"), GRID, inputs={"x": "x"}, target="y", held_out="held_out_flag")


def test_fit_and_score_reports_in_sample_and_held_out_errors():
    x = np.geomspace(1.0, 100.0, 10)
    y = 0.5 + 2.0 * x**-0.4
    out = fit_and_score(LAW, squared("log"), GRID, {"x": x[:7]}, y[:7], {"x": x[7:]}, y[7:])
    assert out["in_sample_rmse_log"] < 1e-8 and out["rmse_log"] < 1e-7
    assert out["_predicted"].shape == (3,)
