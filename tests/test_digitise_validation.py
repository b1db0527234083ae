"""The digitiser on the real figures of the data mirror, against the third-party points beside them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from replication.checks.digitised import agreement_rows, match_positions
from replication.data import load_table
from replication.paths import mirror_dir
from replication.report.digitised_results import digitise_record

needs_mirror = pytest.mark.skipif(
    mirror_dir() is None or not (mirror_dir() / "epoch-chinchilla" / "chinchilla_figure_4.svg").is_file(),
    reason="needs the data mirror (../shared/datasets or $SCALING_AUDIT_MIRROR)")


def test_match_positions_is_mutual_and_bounded():
    a = np.array([[0.0, 0.0], [1.0, 0.0], [5.0, 5.0]])
    b = np.array([[0.05, 0.0], [1.02, 0.0], [9.0, 9.0]])
    ia, ib = match_positions(a, b, tol=0.1)
    assert ia.tolist() == [0, 1] and ib.tolist() == [0, 1]


@needs_mirror
def test_chinchilla_figure_4_against_besiroglu_points():
    d = digitise_record("chinchilla-figure-4", "points")
    ours = d.points
    theirs = load_table("epoch-chinchilla", "points").rename(columns={"x": "x_fig", "y": "y_fig"})
    assert len(ours) == 245 and d.legend_glyphs == 1  # the legend's 'Empirical data' glyph is left out
    assert d.x.scale == d.y.scale == d.colour_bar.calibration.scale == "log"
    rows, pairs = agreement_rows("chinchilla", ours, theirs, [("N", "y", "Model Size", "y_err"),
                                                              ("C", "x", "Training FLOP", "x_err"),
                                                              ("loss", "value", "loss", "value_err")], tol=0.5)
    by = {r["quantity"]: r for r in rows}
    assert all(r["matched"] == 245 for r in rows)
    assert by["N"]["median_rel_diff"] < 0.003 and by["N"]["max_rel_diff"] < 0.01
    # C: a common factor (the x labels are centred slightly left of where the released calibration puts the ticks)
    ratio = pairs["ours_x"] / pairs["theirs_Training FLOP"]
    assert ratio.std() < 1e-5 and abs(ratio.mean() - 1) < 0.025
    assert by["loss"]["median_abs_diff"] < 0.006 and by["loss"]["max_abs_diff"] < 0.02
    assert by["loss"]["share_within_our_error"] > 0.9


@needs_mirror
def test_chinchilla_corrected_calibration_moves_only_n():
    labels = digitise_record("chinchilla-figure-4", "points")
    corrected = digitise_record("chinchilla-figure-4", "points_corrected_y")
    assert corrected.y.source == "record" and len(corrected.points) == 245
    pd.testing.assert_series_equal(labels.points["x"], corrected.points["x"])
    pd.testing.assert_series_equal(labels.points["value"], corrected.points["value"])
    top = corrected.y.value(26.872)
    assert top == pytest.approx(1e11, rel=1e-6)
    assert not np.allclose(labels.points["y"], corrected.points["y"], rtol=1e-3)


@needs_mirror
def test_llama3_figure_2_against_third_party_points():
    d = digitise_record("llama3-figure-2", "points")
    assert (d.points["series"] == "minimum").sum() == 10
    ours = d.points[d.points["series"] != "minimum"].copy()
    ours["budget"] = ours["series"].astype(float)
    theirs = load_table("llama3-isoflops", "points").rename(columns={"x_page": "x_fig", "y_page": "y_fig"})
    rows, _ = agreement_rows("llama3", ours, theirs, [("tokens", "x", "training_tokens", None),
                                                      ("loss", "y", "validation_loss", None),
                                                      ("budget", "budget", "compute_budget", None)], tol=0.5)
    by = {r["quantity"]: r for r in rows}
    assert len(ours) == 133 and all(r["matched"] == 133 for r in rows)
    assert by["budget"]["max_abs_diff"] == 0
    assert by["tokens"]["max_rel_diff"] < 1e-4 and by["loss"]["max_abs_diff"] < 1e-4
