"""Answers the replication decides, and the precedence replication > checklist.yaml > survey sheet, with disagreements."""

import pytest

from replication.checklist.answers import ItemAnswer, PaperChecklist
from replication.checklist.assess import assess, suite_rows
from replication.checklist.automatic import RULES, Context
from replication.checklist.items import load_definition
from replication.checklist.survey import SurveyAnswer
from replication.data.schema import Dataset
from replication.metadata.paper import Paper

LIMIT = {"max_held_out_are": 0.05, "reason": "test"}


def paper(**kw):
    base = {"key": "demo2024paper", "title": "Demo", "authors": ["A"], "year": 2024, "status": "replicated",
            "datasets": ["demo-data"], "law": {"name": "chinchilla", "statement": "L"}}
    base.update(kw)
    return Paper.model_validate(base)


def dataset(**kw):
    base = {"name": "demo-data", "title": "t", "upstream": {"repository": "https://example.org/r", "commit": "a" * 40},
            "licence": "MIT", "redistributable": False, "citation": "c", "papers": ["demo2024paper"],
            "obtained": "released", "how_obtained": "h", "files": []}
    base.update(kw)
    return Dataset.model_validate(base)


def result(extrapolation=(), claims=(), ci_width=(), status="ok"):
    return {"status": status, "extrapolation": list(extrapolation), "claims": list(claims), "ci_width": list(ci_width)}


def ex(are):
    return {"fit": "main", "are": are, "n_fit": 20, "n_held_out": 5}


def rule(name, ctx, prior=None, params=None):
    return RULES[name].fn(ctx, params or {}, prior)


# --- held-out validation: the paper's claim AND the suite's check -------------------------------------

@pytest.mark.parametrize("prior, are, answer", [
    ("yes", 0.01, "yes"),  # claimed, and the repeat holds
    ("yes", 0.20, "no"),  # claimed, but the repeat misses the held-out runs
    ("not stated", 0.01, "not stated"),  # the suite's check does not answer for the paper
    ("no", 0.01, "no"),
])
def test_held_out_validation_combines_claim_and_check(prior, are, answer):
    d = rule("held_out_validation", Context(paper(), result([ex(are)])), prior, LIMIT)
    assert d.answer == answer and d.uses_prior
    assert f"{are:.2%}" in d.evidence


def test_held_out_validation_without_a_claim_or_a_split():
    assert rule("held_out_validation", Context(paper(), result([ex(0.01)])), None, LIMIT) is None
    claimed = rule("held_out_validation", Context(paper(), result([])), "yes", LIMIT)
    assert claimed.answer == "yes" and "no held-out split" in claimed.evidence
    # a failed replication's rows are not used
    failed = rule("held_out_validation", Context(paper(), result([ex(0.5)], status="failed")), "yes", LIMIT)
    assert failed.answer == "yes"
    # rows whose split left too few points (NaN) are ignored
    assert rule("held_out_validation", Context(paper(), result([ex(float("nan"))])), "yes", LIMIT).answer == "yes"


# --- provenance rules -----------------------------------------------------------------------------------

def test_points_released_by_dataset_provenance():
    by_authors = Context(paper(), None, {"demo-data": dataset(released_by=["demo2024paper"])})
    assert rule("points_released", by_authors).answer == "yes"
    digitised = Context(paper(), None, {"demo-data": dataset(obtained="digitised", released_by=["someone2025"])})
    d = rule("points_released", digitised)
    assert d.answer == "no" and "someone2025" in d.evidence
    assert rule("points_released", Context(paper(status="no public data", datasets=[]), None)).answer == "no"
    # released by someone, but the record does not say by whom: the rule cannot decide
    assert rule("points_released", Context(paper(), None, {"demo-data": dataset()})) is None
    assert rule("points_released", Context(paper(status="claims only", datasets=[]), None)) is None


def test_licence_of_the_released_files():
    ctx = lambda lic: Context(paper(), None, {"demo-data": dataset(released_by=["demo2024paper"], licence=lic)})  # noqa: E731
    assert rule("released_licence", ctx("MIT")).answer == "yes"
    assert rule("released_licence", ctx("none (no licence file)")).answer == "no"
    assert rule("released_licence", Context(paper(), None, {"demo-data": dataset()})) is None


def test_uncertainty_reported_ignores_unverified_claims():
    claim = {"id": "a", "statement": "s", "quantity": "a", "interval": {"low": 0.4, "high": 0.5, "level": 0.8},
             "source": "Table 2", "provenance": "paper"}
    assert rule("uncertainty_reported", Context(paper(claims=[claim]), None)).answer == "yes"
    assert rule("uncertainty_reported", Context(paper(claims=[dict(claim, provenance="unverified")]), None)) is None


def test_interval_plausible_and_refit_reproduce_from_the_result():
    narrow = {"claim": "a", "flag": "implausibly narrow", "runs_needed": 6e5, "n_points": 240, "provenance": "repo"}
    fine = dict(narrow, flag="plausible")
    assert rule("interval_plausible", Context(paper(), result(ci_width=[narrow, fine]))).answer == "no"
    assert rule("interval_plausible", Context(paper(), result(ci_width=[fine]))).answer == "yes"
    assert rule("interval_plausible", Context(paper(), result(ci_width=[dict(narrow, provenance="unverified")]))) is None
    claims = [{"claim": "E", "verdict": "reproduced", "provenance": "repo"},
              {"claim": "B", "verdict": "not reproduced", "provenance": "repo"},
              {"claim": "x", "verdict": "not reproduced", "provenance": "unverified"},
              {"claim": "y", "verdict": "not testable", "provenance": "paper"}]
    d = rule("refit_reproduces", Context(paper(), result(claims=claims)))
    assert d.answer == "no" and "1 of 2" in d.evidence and "B" in d.evidence and "x" not in d.evidence.split(": ")[-1]
    assert rule("refit_reproduces", Context(paper(), result(claims=claims[:1]))).answer == "yes"
    assert rule("refit_reproduces", Context(paper(), result(claims=claims, status="failed"))) is None


# --- precedence and disagreements -----------------------------------------------------------------------

def test_precedence_replication_then_reviewer_then_survey():
    d = load_definition()
    reviewer = PaperChecklist("demo2024paper", None, True, {
        "fitting_method": ItemAnswer(item="fitting_method", answer="yes", evidence="Section 4"),
        "training_code": ItemAnswer(item="training_code", answer="no", evidence="no link given"),
        "points_released": ItemAnswer(item="points_released", answer="no", evidence="figure only"),
    })
    survey = {"fitting_method": SurveyAnswer("not stated", "Curve-fitting Method: NS"),
              "training_code": SurveyAnswer("no", "Training Code?: N"),
              "initialisation": SurveyAnswer("yes", "Initialization: Grid Search"),
              "held_out_validation": SurveyAnswer("yes", "Are scaling laws validated?: Y")}
    p = paper(datasets=[])
    rows = {r.item: r for r in suite_rows("demo2024paper", d, p, reviewer, result([ex(0.3)]), survey)}
    assert (rows["fitting_method"].answer, rows["fitting_method"].source, rows["fitting_method"].agreement) == (
        "yes", "checklist.yaml", "disagree")
    assert rows["training_code"].agreement == "agree"
    assert (rows["initialisation"].answer, rows["initialisation"].source, rows["initialisation"].agreement) == (
        "yes", "survey sheet", "")
    hv = rows["held_out_validation"]
    assert (hv.answer, hv.source, hv.agreement) == ("no", "replication + survey sheet", "disagree")
    assert "per survey sheet" in hv.evidence
    # the replication cannot decide points_released here (no dataset): the reviewer's answer stands
    assert (rows["points_released"].answer, rows["points_released"].source) == ("no", "checklist.yaml")
    assert rows["compute_resources"].answer == "not assessed" and rows["compute_resources"].source == "none"


def test_assess_real_papers_with_and_without_a_survey():
    a = assess(survey=None)
    assert set(a.papers) == set(a.suite)
    hoffmann = {r.item: r for r in a.paper_rows("hoffmann2022training")}
    assert hoffmann["fitting_objective"].source == "checklist.yaml"
    assert hoffmann["runs_and_range"].answer == "not assessed"  # no survey here to fall back on
    with_survey = assess()
    assert len(with_survey.papers) == 51 + len([k for k in with_survey.suite if k not in with_survey.matches.values()])
    assert with_survey.matches["hoffmann2022training"] == "hoffmann2022training"
    assert {r.item: r for r in with_survey.paper_rows("hoffmann2022training")}["runs_and_range"].source == "survey sheet"
    other = next(k for k in with_survey.papers if k not in with_survey.suite)  # a paper only the survey covers
    rows = with_survey.paper_rows(other)
    assert len(rows) == len(with_survey.definition.items)
    assert all(r.source in ("survey sheet", "none") and not r.in_suite and r.agreement == "" for r in rows)
