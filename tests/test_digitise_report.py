"""The report's digitised-data section, from a cached result (the section never computes: it stays fast)."""

from __future__ import annotations

import json

from replication.report.digitised import digitised_section
from replication.report.digitised_cache import cache_path
from replication.report.digitised_results import CORRECTED, LABELS, RELEASED
from replication.report.pages import Page
from replication.report.tables import read_table

PROV = {"version": "0", "commit": "abc", "data": {}}
SHA = "ab" * 32


def _cache(build):
    record = {"figure": "f.svg", "sha256": SHA, "page": 1, "panel": [0, 0, 10, 10], "points_per_series": {"s": 2},
              "legend_glyphs_left_out": 1,
              "calibration": {"x": {"scale": "log", "source": "labels", "residual": 0.0},
                              "y": {"scale": "linear", "source": "record", "residual": 0.1}}}
    data = {
        "point_sets": [{"dataset": "demo", "file": "points", "figure": "f.svg", "sha256": SHA,
                        "columns": ["series", "x", "y"], "rows": [{"series": "s", "x": 1.0, "y": 2.0},
                                                                  {"series": "s", "x": 3.0, "y": 4.0}],
                        "record": record}],
        "agreement": [{"figure": "demo", "quantity": "N (parameters)", "matched": 2, "median_rel_diff": 0.001,
                       "max_rel_diff": 0.002, "median_abs_diff": 1.0, "max_abs_diff": 2.0, "points_ours": 2,
                       "points_theirs": 2, "share_within_our_error": 1.0}],
        "shift": [{"paper": "hoffmann2022training", "quantity": "alpha", RELEASED: 0.30, LABELS: 0.31, CORRECTED: 0.33,
                   f"move: {LABELS}": 0.31 / 0.30 - 1, f"move: {CORRECTED}": 0.1}],
        "widening": [{"paper": "hoffmann2022training", "quantity": "alpha", "replicates": 50, "width_bootstrap": 0.05,
                      "width_perturbation": 0.02, "width_both": 0.055, "widening": 0.1}],
        "errors": ["demo/other: figure.svg: no markers found"],
    }
    path = cache_path(build)
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(data))


def test_section_publishes_point_sets_and_findings(tmp_path):
    build, out = tmp_path / "build", tmp_path / "report"
    _cache(build)
    index, pages = Page("index"), {"hoffmann2022training": Page("h")}
    digitised_section(out, index, pages, PROV, build)
    table = read_table(out / "tables" / "digitised" / "demo_points.csv")
    assert table["x"].tolist() == [1, 3]
    head = (out / "tables" / "digitised" / "demo_points.csv").read_text().splitlines()[:2]
    assert head == ["# scaling-law-audit 0, commit abc", f"# data demo/points sha256 {SHA}"]
    assert (out / "tables" / "digitised" / "demo_points.yaml").is_file()
    md = index.markdown()
    assert "alpha 0.3 -> 0.33 (+10.0%)" in md
    assert "Not computed: demo/other: figure.svg: no markers found" in md
    assert read_table(out / "tables" / "digitised_widening.csv")["widening"].tolist() == [0.1]
    assert "Digitisation error in the intervals" in pages["hoffmann2022training"].markdown()
    assert (out / "papers" / "hoffmann2022training.md").is_file()


def test_section_without_a_cache_says_so(tmp_path):
    index = Page("index")
    digitised_section(tmp_path / "report", index, {}, PROV, tmp_path / "build")
    assert "Not computed for this build" in index.markdown()


def test_a_paper_whose_fits_carry_errors_gets_its_own_section_not_the_tables_rows(tmp_path):
    """A fit record with digitisation_error gives the page its section (every quantity, the record's counts); the
    digitised section then leaves that paper's page alone."""
    from replication.report import digitisation_page

    result = {"fits": {"main": {"digitisation_error": {
        "n": 40, "seed": 7, "errors": ["x_err", "y_err"], "grid_refits": 1, "what": "w", "converged": 40,
        "rows": [{"quantity": "alpha", "width_bootstrap": 0.1, "width_both": 0.12, "widening": 0.2,
                  "widening_mcse": 0.05}]}}, "isoflop": {"n_points": 3}}}
    page = Page("p")
    assert digitisation_page.paper_section(page, result)
    md = page.markdown()
    assert "main: 40 replicates (seed 7), errors from x_err, y_err, 1 refitted" in md and "| main | alpha |" in md
    assert not digitisation_page.paper_section(Page("q"), {"fits": {"main": {"n_points": 3}}})
    build, out = tmp_path / "build", tmp_path / "report"
    _cache(build)
    pages = {"hoffmann2022training": Page("h")}
    digitised_section(out, Page("index"), pages, PROV, build, fitted={"hoffmann2022training"})
    assert "Digitisation error in the intervals" not in pages["hoffmann2022training"].markdown()
