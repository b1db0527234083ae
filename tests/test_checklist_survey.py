"""The survey sheet import: two header rows, tally rows, codes Y / N / NS / NA and free text, matching to suite papers.

A small synthetic sheet goes through the real loader (tmp datasets root and mirror); the real sheet is checked
against the tallies the (Mis)Fitting authors give for it.
"""

import hashlib

import pytest
import yaml

from replication.checklist.items import load_definition
from replication.checklist.survey import (arxiv_id, code_of, combine, item_answer, load_survey, match_suite,
                                          read_answer)
from replication.errors import DataError

SHEET = (
    ",,,General,,Fitting,,\n"
    "Title,Link ,citation,Training Code?,Metric Scores?,Curve-fitting Method,Are scaling laws validated?,Initialization\n"
    "Paper one,[2203.15556] Paper one,one2022,Y,N,L-BFGS,Y,N.S.\n"
    'Paper two,https://arxiv.org/abs/2404.10102,two2024,N/A,Y*,NS,N,"Grid, best kept"\n'
    "Paper three,Some venue page,three2021,NA,,N.S,NS,NA\n"
    ",,,3,2,,,\n"
    ",,,,,,,18 - no details\n"
)
COLUMNS = ["Title", "Link ", "citation", "Training Code?", "Metric Scores?", "Curve-fitting Method",
           "Are scaling laws validated?", "Initialization"]


@pytest.fixture
def sheet(tmp_path):
    """A datasets root registering the synthetic sheet, and a mirror holding it."""
    data = SHEET.encode()
    mirror = tmp_path / "mirror"
    (mirror / "misfitting").mkdir(parents=True)
    (mirror / "misfitting" / "survey_sheet.csv").write_bytes(data)
    meta = {
        "name": "misfitting", "title": "synthetic survey", "licence": "none", "redistributable": False,
        "upstream": {"repository": "https://example.org/repo", "commit": "0" * 40}, "citation": "synthetic",
        "papers": [], "obtained": "released", "how_obtained": "written for the test",
        "files": [{"key": "survey_sheet", "upstream_path": "sheet.csv", "mirror_path": "misfitting/survey_sheet.csv",
                   "url": "https://127.0.0.1:9/0000000000000000000000000000000000000000/sheet.csv", "sha256": hashlib.sha256(data).hexdigest(), "format": "csv",
                   "header_row": 1, "codes_verbatim": True,
                   "columns": [{"name": c, "meaning": c, "dtype": "str", "nullable": True} for c in COLUMNS]}],
    }
    root = tmp_path / "datasets"
    (root / "misfitting").mkdir(parents=True)
    (root / "misfitting" / "dataset.yaml").write_text(yaml.safe_dump(meta))
    return root, mirror


def test_header_rows_tally_rows_and_verbatim_codes(sheet):
    root, mirror = sheet
    s = load_survey(mirror=mirror, datasets_root=root)
    assert [p.key for p in s.papers] == ["one2022", "two2024", "three2021"]
    assert s.tally_rows == 2
    assert s.groups["Training Code?"] == "General" and s.groups["Metric Scores?"] == "General"
    assert s.groups["Initialization"] == "Fitting" and s.groups["Title"] == ""
    two = s.paper("two2024")
    assert two.cells["Training Code?"] == "N/A"  # kept as a code, not read as a missing value
    assert two.cells["Initialization"] == "Grid, best kept"
    assert s.paper("three2021").cells["Metric Scores?"] is None  # an empty cell
    assert [p.arxiv for p in s.papers] == ["2203.15556", "2404.10102", None]


def test_a_changed_sheet_is_refused(sheet):
    root, mirror = sheet
    (mirror / "misfitting" / "survey_sheet.csv").write_text(SHEET.replace("L-BFGS", "Adam"))
    with pytest.raises(DataError, match="sha256 mismatch"):
        load_survey(mirror=mirror, datasets_root=root)


@pytest.mark.parametrize("cell, code", [
    ("Y", "Y"), ("Y*", "Y"), (" y ", "Y"), ("N", "N"), ("NS", "NS"), ("N.S", "NS"), ("N.S.", "NS"), ("N/A", "NA"),
    ("NA", "NA"), ("Non-embedding", "text"), ("N Random Trials", "text"), ("None", "text"), ("", None), (None, None),
])
def test_codes(cell, code):
    assert code_of(cell) == code


def test_codes_read_as_answers_by_each_items_mapping():
    d = load_definition()
    yes_no = d.item("training_code")  # a Y/N column: free text is not an answer
    detail = d.item("fitting_method")  # a column that records a detail: free text means it is reported
    modified = d.item("metric_transformation")  # N = the metric is used unchanged, so the treatment is known
    assert [read_answer(c, yes_no) for c in ["Y", "Y*", "N", "NS", "N/A", "Mixed", None]] == [
        "yes", "yes", "no", "not stated", "not applicable", "not assessed", "not assessed"]
    assert [read_answer(c, detail) for c in ["L-BFGS", "NS", "N.S", "NA", ""]] == [
        "yes", "not stated", "not stated", "not applicable", "not assessed"]
    assert read_answer("N", modified) == "yes" and read_answer("NS", modified) == "not stated"
    assert read_answer("None", d.item("law_form")) == "not applicable"


def test_several_columns_combine_to_the_weakest_filled_answer():
    assert combine(["yes", "yes", "not assessed"]) == "yes"
    assert combine(["yes", "not stated", "not assessed"]) == "not stated"
    assert combine(["not stated", "no"]) == "no"
    assert combine(["not applicable", "yes"]) == "yes"
    assert combine(["not applicable", "not applicable"]) == "not applicable"
    assert combine(["not assessed", "not assessed"]) == "not assessed"


@pytest.mark.parametrize("text, arxiv", [
    ("[2203.15556] Training Compute-Optimal Large Language Models", "2203.15556"),
    ("https://arxiv.org/pdf/2106.04560.pdf", "2106.04560"),
    ("https://arxiv.org/abs/2401.02954", "2401.02954"),
    ("arXiv:2404.10102", "2404.10102"),
    ("2404.10102", "2404.10102"),
    ("Model Performance Scaling with Multiple Data Sources", None),
    ("https://www.semanticscholar.org/paper/Beyond-Chinchilla-Optimal/82f75d838e92196864131bad25b1abc3b5d40a6f", None),
    (None, None),
])
def test_arxiv_ids_from_links(text, arxiv):
    assert arxiv_id(text) == arxiv


def test_suite_papers_matched_by_key_then_arxiv(sheet):
    root, mirror = sheet
    s = load_survey(mirror=mirror, datasets_root=root)
    m = match_suite(s, {"one2022": None, "besiroglu2024chinchilla": "2404.10102", "unrelated2020": "1234.56789"})
    assert m == {"one2022": "one2022", "two2024": "besiroglu2024chinchilla"}


# --- the real sheet ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def real():
    return load_survey()


def test_real_sheet_has_51_papers_and_its_tallies_set_aside(real):
    assert len(real.papers) == 51
    assert real.tally_rows == 4
    assert len({p.key for p in real.papers}) == 51
    assert {"hoffmann2022training", "besiroglu2024chinchilla", "kaplan2020scaling"} <= {p.key for p in real.papers}
    assert real.groups["Bootstrapping?"] == "Data Extraction"
    assert real.groups["flop counts definition?"] == "Fitting the Scaling Law"


def test_real_sheet_agrees_with_the_published_tallies(real):
    """checklist-sources.md: bootstrapping reported by 2, method not specified by 18, initialisation not specified
    by about 25, laws validated by 25 (of 51)."""
    codes = lambda col: [code_of(p.cells[col]) for p in real.papers]  # noqa: E731
    assert codes("Bootstrapping?").count("Y") == 2
    assert codes("Curve-fitting Method").count("NS") == 18
    assert codes("Initialization").count("NS") == 25
    assert codes("Are scaling laws validated?").count("Y") == 25


def test_real_sheet_answers_for_a_suite_paper(real):
    d = load_definition()
    hoffmann = real.paper("hoffmann2022training")
    assert hoffmann.arxiv == "2203.15556"
    assert item_answer(hoffmann, d.item("fitting_objective")).answer == "yes"
    assert item_answer(hoffmann, d.item("training_code")).answer == "no"
    assert item_answer(hoffmann, d.item("held_out_validation")).answer == "yes"
    assert item_answer(hoffmann, d.item("compute_resources")) is None  # no survey column for this item
    # the Bootstrapping? cell holds free text where Y/N is expected: shown, not read as an answer
    cell = item_answer(hoffmann, d.item("uncertainty_resampling"))
    assert cell.answer == "not assessed" and "Interpolation" in cell.cells
