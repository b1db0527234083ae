"""Verdicts in the tables: every claim in the cross-paper table, the overview counts and the checklist's
"refit reproduces" answer read the one verdict vocabulary."""

from replication.checklist.automatic import RULES, Context
from replication.checks import verdicts
from replication.metadata.paper import Paper
from replication.report.build import _verdicts, verdict_line
from replication.report.cross_paper import cross_paper_rows


def q(v):
    return {"value": v, "intervals": {"0.95": [v - 0.05, v + 0.05]}, "interval_kind": "bootstrap percentile"}


def test_a_quantity_with_two_claims_gets_two_rows():
    results = [{"paper": "kaplan", "status": "ok", "quantities": {"a_alloc": q(0.86), "tokens_per_param@1e+21": q(3.0)},
                "claims": [{"claim": "a73", "quantity": "a_alloc", "claimed": 0.73, "provenance": "unverified",
                            "verdict": "not reproduced", "rule": "interval"},
                           {"claim": "a88", "quantity": "a_alloc", "claimed": 0.88, "provenance": "repo",
                            "verdict": "reproduced", "rule": "interval"}],
                "ci_width": []}]
    rows = cross_paper_rows(results)
    a = rows[rows["quantity"] == "a_alloc"]
    assert list(a["claim"]) == ["a73", "a88"]
    assert list(a["verdict"]) == ["not reproduced", "reproduced"]
    assert list(a["unverified"]) == ["unverified", ""]
    assert list(a["claim_provenance"]) == ["unverified", "repo"]
    # a quantity no claim is about still has its row, with no claim
    t = rows[rows["quantity"] == "tokens_per_param@1e+21"]
    assert len(t) == 1 and t["claim"].item() == ""


def test_claimed_interval_enters_the_cross_paper_row():
    results = [{"paper": "h", "status": "ok", "quantities": {"a_alloc": q(0.51)},
                "claims": [{"claim": "a_interval", "quantity": "a_alloc", "claimed": float("nan"), "provenance": "repo",
                            "verdict": "internally inconsistent", "rule": "interval"}],
                "ci_width": [{"claim": "a_interval", "claimed_low": 0.454, "claimed_high": 0.455}]}]
    row = cross_paper_rows(results).iloc[0]
    assert (row["claimed_low"], row["claimed_high"]) == (0.454, 0.455)
    assert row["verdict"] == verdicts.INCONSISTENT


def test_overview_counts_every_verdict():
    r = {"status": "ok", "claims": [{"verdict": v} for v in ("reproduced", "borderline", "not identified",
                                                              "internally inconsistent", "not reproduced")],
         "ci_width": [], "extrapolation": [], "fit_health": [{"status": "fail"}]}
    c = _verdicts(r)
    assert c == {"reproduced": 1, "not reproduced": 1, "borderline": 1, "not identified": 1,
                 "internally inconsistent": 1, "not testable": 0}
    line = verdict_line(r)
    assert line.startswith("1 of 2 testable claims reproduced")
    assert "1 borderline" in line and "1 not identified" in line and "1 internally inconsistent" in line
    assert "1 fit-health warning(s)" in line  # a failure counts among the warnings


def paper():
    return Paper.model_validate({"key": "s2024", "title": "S", "authors": ["N"], "year": 2024, "status": "replicated",
                                 "law": {"name": "chinchilla", "statement": "x"}})


def refit(claims):
    return RULES["refit_reproduces"].fn(Context(paper(), {"status": "ok", "claims": claims}), {}, None)


def test_refit_reproduces_uses_the_verdict_definitions():
    ok = {"claim": "a", "verdict": "reproduced", "provenance": "repo"}
    assert refit([ok]).answer == "yes"
    d = refit([ok, {"claim": "b", "verdict": "internally inconsistent", "provenance": "repo"}])
    assert d.answer == "no" and "b (internally inconsistent)" in d.evidence
    d = refit([ok, {"claim": "c", "verdict": "not identified", "provenance": "repo"},
               {"claim": "d", "verdict": "borderline", "provenance": "repo"}])
    assert d.answer == "yes" and "deciding nothing: c (not identified), d (borderline)" in d.evidence
    assert refit([{"claim": "c", "verdict": "not identified", "provenance": "repo"}]) is None
    assert refit([{"claim": "x", "verdict": "not reproduced", "provenance": "unverified"}]) is None
