"""The reviewer workflow end to end: scaffold a paper, validate it, render report/reviews/<key>.md, build the report.

Every test works in a temporary papers folder (replication.paths.PAPERS, read at call time by load_paper, the
checklist and the scaffold; replication.audit.PAPERS, imported by name for replicate.py) and temporary build and
report folders. The survey sheet comes from the data mirror, as in `make`.
"""

import json
import re

import pytest
import yaml

import replication.audit as audit_mod
import replication.paths as paths_mod
from replication.audit import run_paper
from replication.checklist.answers import load_checklist
from replication.checklist.items import load_definition
from replication.checklist.scaffold import PLACEHOLDER, scaffold_paper, unfinished
from replication.cli import main
from replication.data.schema import Dataset
from replication.errors import MetadataError
from replication.metadata.paper import load_paper
from replication.report.build import build_report
from replication.report.tables import read_table

NEW = "newpaper2031scaling"  # not in the survey sheet
SURVEYED = "kaplan2020scaling"  # in the survey sheet: title and arXiv id come from it


@pytest.fixture
def project(tmp_path, monkeypatch):
    papers = tmp_path / "papers"
    papers.mkdir()
    monkeypatch.setattr(paths_mod, "PAPERS", papers)
    monkeypatch.setattr(paths_mod, "BUILD", tmp_path / "build")
    monkeypatch.setattr(paths_mod, "REPORT", tmp_path / "report")
    monkeypatch.setattr(audit_mod, "PAPERS", papers)
    monkeypatch.setattr(audit_mod, "BUILD", tmp_path / "build")
    monkeypatch.delenv(audit_mod.N_BOOT_ENV, raising=False)
    return tmp_path


def test_scaffold_validates_and_leaves_everything_not_assessed(project):
    created = scaffold_paper(NEW)
    assert sorted(p.name for p in created) == ["checklist.yaml", "dataset.template.yaml", "paper.yaml", "replicate.py"]
    paper = load_paper(NEW)
    assert paper.status == "claims only" and paper.year == 2031 and paper.arxiv is None
    assert PLACEHOLDER in paper.title and PLACEHOLDER in paper.law.statement
    checklist = load_checklist(NEW, load_definition())
    assert checklist.exists and set(checklist.answers) == set(load_definition().ids)
    assert {a.answer for a in checklist.answers.values()} == {"not assessed"}
    todo = unfinished(NEW)
    assert any("title" in t for t in todo) and any("replicate.py" in t for t in todo)
    assert any("every item is still 'not assessed'" in t for t in todo)


def test_scaffold_takes_title_and_arxiv_from_the_survey(project):
    scaffold_paper(SURVEYED)
    paper = load_paper(SURVEYED)
    assert paper.title == "Scaling laws for neural language models." and paper.arxiv == "2001.08361"  # as the sheet writes it


def test_dataset_template_matches_the_dataset_schema_once_filled(project):
    scaffold_paper(NEW)
    text = (paths_mod.PAPERS / NEW / "dataset.template.yaml").read_text()
    raw = yaml.safe_load(text)
    assert raw["obtained"] == "digitised" and raw["papers"] == [NEW]
    filled = yaml.safe_load(re.sub(r'"TO BE FILLED IN[^"]*"', '"filled"', text).replace('sha256: "filled"', "sha256: " + "ab" * 32))
    # the provenance fields must be an https repository, a full commit id and URLs pinned to it
    commit = "c" * 40
    filled["upstream"].update(repository="https://example.org/points", commit=commit)
    for f in filled["files"]:
        f["url"] = f"https://example.org/points/{commit}/points.csv"
    Dataset.model_validate(filled)


def test_a_scaffolded_paper_runs_as_claims_only_and_its_stub_fails_loudly(project):
    scaffold_paper(NEW)
    assert run_paper(NEW)["status"] == "claims only"  # `make` runs it without error
    path = paths_mod.PAPERS / NEW / "paper.yaml"
    path.write_text(path.read_text().replace("status: claims only", "status: replicated"))
    result = run_paper(NEW)
    assert result["status"] == "failed"
    assert f"papers/{NEW}/replicate.py line" in result["error"] and "NotImplementedError" in result["error"]
    assert "scaffold stub" in result["error"]


def test_scaffold_refuses_an_existing_folder_and_a_bad_key(project):
    scaffold_paper(NEW)
    with pytest.raises(MetadataError, match="already exists"):
        scaffold_paper(NEW)
    with pytest.raises(MetadataError, match="not a usable bibtex key"):
        scaffold_paper("../escape")
    assert sorted(p.name for p in paths_mod.PAPERS.iterdir()) == [NEW]  # nothing half-written left behind


def test_review_command_scaffolds_and_renders(project, capsys):
    assert main(["review", NEW]) == 0
    out = capsys.readouterr().out
    assert "created" in out and f"reviews/{NEW}.md" in out
    review = (project / "report" / "reviews" / f"{NEW}.md").read_text()
    for heading in ("## Still to fill in", "## Compliance", "## Items the paper does not state",
                    "## Questions for the authors", "## All answers", "## Not yet assessed", "## Audit results"):
        assert heading in review
    assert "No replication result to report (status 'claims only')" not in review  # not run yet
    assert "No replication result to report (no result)" in review
    assert "n/a (0 assessed)" in review


def fill_checklist(key):
    path = paths_mod.PAPERS / key / "checklist.yaml"
    text = path.read_text()
    answers = {"law_form": ("yes", "Section 2, equation 1"), "training_code": ("no", "no repository is named"),
               "initialisation": ("not stated", "Sections 3 and 4 and the appendix say nothing about it")}
    for item, (answer, evidence) in answers.items():
        text = text.replace(f"  - item: {item}\n    answer: not assessed\n    evidence: \"\"",
                            f"  - item: {item}\n    answer: \"{answer}\"\n    evidence: \"{evidence}\"")
    path.write_text(text)


def ok_result(key):
    return {"paper": key, "status": "ok", "error": None, "data": [], "fits": {}, "quantities": {}, "figures": [],
            "claims": [{"paper": key, "claim": "alpha", "quantity": "alpha", "claimed": 0.34, "replicated": 0.41,
                        "ci_low": 0.38, "ci_high": 0.44, "ci_level": 0.95, "verdict": "not reproduced",
                        "provenance": "paper", "rule": "interval", "source": "Table 1", "note": ""}],
            "ci_width": [], "fit_health": [],
            "extrapolation": [{"paper": key, "fit": "main", "split_column": "C", "threshold": 1e21, "n_fit": 20,
                               "n_held_out": 4, "are": 0.08, "max_are": 0.1, "rmse_log": 0.1, "note": ""}]}


def test_review_lists_missing_items_questions_and_audit_results(project):
    scaffold_paper(NEW)
    fill_checklist(NEW)
    (project / "build" / NEW).mkdir(parents=True)
    (project / "build" / NEW / "result.json").write_text(json.dumps(ok_result(NEW)))
    assert main(["review", NEW]) == 0
    review = (project / "report" / "reviews" / f"{NEW}.md").read_text()
    d = load_definition()
    missing = review.split("## Items the paper does not state")[1].split("##")[0]
    assert "initialisation" in missing and "training_code" not in missing
    questions = review.split("## Questions for the authors")[1].split("## All answers")[0]
    assert d.item("initialisation").ask_authors in questions
    assert d.item("training_code").ask_authors in questions
    assert d.item("refit_reproduces").ask_authors in questions  # decided by the replication: alpha not reproduced
    assert "1 assessed" not in review and "Overall: 25% (1/4)" in review
    assert "### Claims" in review and "| alpha | 0.34 | 0.41 |" in review
    assert "### Extrapolation to held-out runs" in review


def test_an_invalid_checklist_is_reported_and_the_old_review_kept(project, capsys):
    assert main(["review", NEW]) == 0
    review_path = project / "report" / "reviews" / f"{NEW}.md"
    before = review_path.read_text()
    path = paths_mod.PAPERS / NEW / "checklist.yaml"
    path.write_text(path.read_text().replace("  - item: metric\n    answer: not assessed",
                                             "  - item: metric\n    answer: probably"))
    assert main(["review", NEW]) == 1
    out = capsys.readouterr().out
    assert "checklist.yaml" in out and "answers[metric].answer" in out and "answer must be one of" in out
    assert review_path.read_text() == before


def test_report_builds_with_a_scaffolded_paper_and_is_reproducible(project):
    scaffold_paper(NEW)
    scaffold_paper(SURVEYED)
    fill_checklist(NEW)
    build = project / "build"
    run_paper(SURVEYED)  # claims only
    (build / NEW).mkdir(parents=True)
    (build / NEW / "result.json").write_text(json.dumps(ok_result(NEW)))
    out = build_report(build=build, out=project / "report")
    table = read_table(out / "tables" / "checklist.csv")
    n_items = len(load_definition().items)
    assert len(table[table["paper"] == NEW]) == n_items
    assert len(table) == n_items * 52  # the two suite papers and the 50 other papers of the survey
    assert set(table["source"]) <= {"replication", "replication + checklist.yaml", "replication + survey sheet",
                                    "checklist.yaml", "survey sheet", "none"}
    kaplan = table[table["paper"] == SURVEYED]
    assert (kaplan["in_suite"] == "yes").all() and (kaplan["source"] == "survey sheet").any()
    scores = read_table(out / "tables" / "checklist_scores.csv")
    assert scores.set_index("paper").loc[NEW, "assessed"] == 4
    index = (out / "index.md").read_text()
    assert "## Reporting checklist" in index and "figures/checklist/heatmap.png" in index
    assert (out / "figures" / "checklist" / "heatmap.png").stat().st_size > 10_000
    page = (out / "papers" / f"{NEW}.md").read_text()
    assert "## Reporting checklist" in page and f"../reviews/{NEW}.md" in page
    assert (out / "reviews" / f"{NEW}.md").exists() and (out / "reviews" / f"{SURVEYED}.md").exists()
    first = {p: (out / p).read_bytes() for p in ("tables/checklist.csv", "tables/checklist_scores.tex",
                                                 "figures/checklist/heatmap.png", f"reviews/{NEW}.md")}
    out = build_report(build=build, out=project / "report")
    assert first == {p: (out / p).read_bytes() for p in first}
