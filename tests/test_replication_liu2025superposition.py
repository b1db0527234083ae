"""Liu, Liu, Gore 2025 end to end on Fig. 8(b) of the authors' vector PDF, digitised in fragment mode.

The slope is recomputed here with numpy from the digitised table, independently of the suite's fit, and the
digitised widths are checked against the models' widths the calibration must put them on.
"""

import numpy as np
import pytest

from replication.data import load_table

KEY = "liu2025superposition"
pytestmark = pytest.mark.replication


@pytest.fixture(scope="module")
def result(made):
    return made(KEY)


@pytest.fixture(scope="module")
def points():
    return load_table("liu-superposition-fig8", "points")


def test_points_are_plausible_markers(points):
    # every corpus (marker shape) is read, no legend glyph or text became a point, and the markers inside the
    # figure's two raster regions are not invented
    corpus = points["series"].str.split("/").str[1]
    assert set(corpus) == {"wikitext", "bookcorpus", "c4", "pile"}
    assert 40 <= len(points) <= 108  # 27 models x 4 corpora at most
    # the calibration puts every marker on an integer width (to 3e-5 relative), and every width is a multiple of 64 (as the models' are)
    assert np.max(np.abs(points["x"] / points["x"].round() - 1)) < 3e-5
    assert set((points["x"].round() % 64).astype(int)) == {0}
    assert points["y"].between(0.04, 2.0).all()


def test_slope_matches_an_independent_log_log_line(result, points):
    assert result["status"] == "ok", result.get("error")
    slope, _ = np.polyfit(np.log(points["x"]), np.log(points["y"]), 1)
    q = result["quantities"]
    assert q["n_points"]["value"] == len(points)
    assert q["alpha"]["value"] == pytest.approx(-slope, rel=1e-5)
    lo, hi = q["alpha"]["intervals"]["0.95"]
    assert lo < q["alpha"]["value"] < hi
    # the readable markers are a selection by m (the raster regions hold the smaller models): the printed slope
    # is not judged on them
    claim = {c["claim"]: c for c in result["claims"]}["llm_model_loss_slope"]
    assert claim["verdict"] == "not testable" and "raster regions" in claim["note"]


def test_digitisation_error_of_the_markers_is_carried(result):
    """The fit's points carry the digitiser's x_err and y_err: its bootstrap is redone within them (same count), the
    widening is stated per number, and the multiverse lists the specification digitisation_error."""
    rec = result["fits"]["main"]["digitisation_error"]
    assert rec["errors"] == ["x_err", "y_err"] and rec["n"] == result["fits"]["main"]["bootstrap"]["n"]
    rows = {r["quantity"]: r for r in rec["rows"]}
    assert set(rows) == {"A", "alpha"} and all(r["width_bootstrap"] > 0 and r["width_both"] > 0 for r in rows.values())
    assert "digitisation_error" in result["sensitivity"]["fits"][0]["specs"]
