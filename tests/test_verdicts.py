"""Known-answer tests of the verdict rules: rounding-aware joint test, internal consistency, identification,
same data and method, Monte Carlo error and borderline, and the verdict vocabulary itself."""

import itertools
import math

import numpy as np
import pytest
from pydantic import ValidationError
from scipy.stats import norm

from replication.checks import verdicts
from replication.checks.claims import evaluate_claim, evaluate_claims
from replication.checks.consistency import formula_range
from replication.checks.quantity import Quantity
from replication.metadata.paper import Paper
from replication.uncertainty.intervals import interval_mcse, jackknife_mcse, quantile_mcse, se_mcse


def claim(cid, **kw):
    return {"id": cid, "statement": f"claim {cid}", "source": "synthetic", "provenance": "paper", **kw}


def paper(claims):
    return Paper.model_validate({
        "key": "synthetic2024", "title": "Synthetic", "authors": ["Nobody"], "year": 2024, "status": "replicated",
        "law": {"name": "chinchilla", "statement": "L = E + A/N^alpha + B/D^beta"}, "claims": claims,
    })


def one(c, quantities, health=None):
    p = paper([c])
    return evaluate_claim(p, p.claims[0], quantities, health=health)


# --- the vocabulary ----------------------------------------------------------------------------------

def test_every_verdict_has_a_meaning_and_the_rules_are_printed():
    assert set(verdicts.VERDICTS) == {"reproduced", "not reproduced", "borderline", "not identified",
                                      "internally inconsistent", "not testable"}
    lines = verdicts.rule_lines()
    for v in verdicts.VERDICTS:
        assert any(v in line for line in lines), v
    for rule in ("interval", "within_se", "same_method", "joint", "identification", "borderline"):
        assert any(rule in line for line in lines), rule


def test_counts_use_the_vocabulary_and_refuse_unknown_verdicts():
    c = verdicts.counts(["reproduced", "borderline", "reproduced"])
    assert c["reproduced"] == 2 and c["borderline"] == 1 and c["not identified"] == 0
    assert list(c) == list(verdicts.VERDICTS)
    with pytest.raises(ValueError, match="unknown verdict"):
        verdicts.counts(["probably fine"])


# --- rounding-aware joint test ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def correlated():
    """log alpha, log A with SDs 0.02 and 0.5 and correlation -0.996 around (0.537, 0.30), like an allocation fit."""
    rng = np.random.default_rng(11)
    sd = np.array([0.02, 0.5])
    rho = -0.996
    cov = np.outer(sd, sd) * np.array([[1, rho], [rho, 1]])
    centre = np.log([0.537, 0.30])
    L = rng.multivariate_normal(centre, cov, size=40_000)
    return {"alpha": Quantity(0.537, np.exp(L[:, 0])), "A": Quantity(0.30, np.exp(L[:, 1]))}, np.cov(L, rowvar=False)


def joint_paper(values, decimals):
    return paper([claim("ca", quantity="alpha", value=values[0], decimals=decimals),
                  claim("cA", quantity="A", value=values[1], decimals=decimals),
                  claim("pair", rule="joint", components=["ca", "cA"])])


def test_joint_takes_the_smallest_distance_over_the_rounding_box(correlated):
    qs, cov = correlated
    p = joint_paper((0.53, 0.29), 2)
    row = evaluate_claim(p, p.claim("pair"), qs)
    # brute force over a fine grid of the box [0.525, 0.535] x [0.285, 0.295]
    point = np.log([0.537, 0.30])
    inv = np.linalg.inv(cov)
    grid = [np.log(np.array(v)) - point for v in itertools.product(np.linspace(0.525, 0.535, 201), np.linspace(0.285, 0.295, 201))]
    brute = min(float(d @ inv @ d) for d in grid)
    assert row["replicated"] == pytest.approx(brute, rel=1e-3, abs=1e-6)
    exact = np.log([0.53, 0.29]) - point
    assert row["replicated"] < 0.5 * float(exact @ inv @ exact)  # the box matters when the components are correlated
    assert "attained at (alpha = " in row["note"]
    assert "at the printed values themselves" in row["note"]


def test_joint_box_minimiser_lies_in_the_box(correlated):
    qs, _ = correlated
    p = joint_paper((0.53, 0.29), 2)
    row = evaluate_claim(p, p.claim("pair"), qs)
    text = row["note"].split("attained at (")[1].split(")")[0]
    vals = dict(part.split(" = ") for part in text.split(", "))
    assert 0.525 - 1e-9 <= float(vals["alpha"]) <= 0.535 + 1e-9
    assert 0.285 - 1e-9 <= float(vals["A"]) <= 0.295 + 1e-9


def test_joint_far_outside_its_box_is_not_reproduced(correlated):
    qs, _ = correlated
    p = joint_paper((0.60, 0.29), 2)  # alpha 3 SDs of log-alpha off, against the correlation
    row = evaluate_claim(p, p.claim("pair"), qs)
    assert row["verdict"] == verdicts.NOT_REPRODUCED
    assert row["replicated"] > 20


def test_joint_row_first_then_components(correlated):
    qs, _ = correlated
    rows = evaluate_claims(joint_paper((0.53, 0.29), 2), qs)
    assert [r["claim"] for r in rows] == ["pair", "ca", "cA"]
    assert rows[0]["rule"] == "joint" and rows[1]["joint"] == "pair"


# --- internal consistency ----------------------------------------------------------------------------

def hoffmann_like(alpha, beta, decimals_ab, interval=(0.454, 0.455), provenance="repo"):
    return paper([
        claim("alpha", value=alpha, decimals=decimals_ab, rule="none", not_testable_reason="input"),
        claim("beta", value=beta, decimals=decimals_ab, rule="none", not_testable_reason="input",
              provenance=provenance),
        claim("a", interval={"low": interval[0], "high": interval[1], "level": 0.8}, decimals=3, rule="none",
              not_testable_reason="no data here",
              follows_from=[{"formula": "beta / (alpha + beta)", "inputs": {"alpha": "alpha", "beta": "beta"}}]),
    ])


def test_formula_range_of_a_monotone_formula_is_exact_at_the_corners():
    lo, hi = formula_range("beta / (alpha + beta)", {"alpha": (0.335, 0.345), "beta": (0.275, 0.285)})
    assert lo == pytest.approx(0.275 / 0.62)
    assert hi == pytest.approx(0.285 / 0.62)


def test_printed_constants_consistent_at_their_precision():
    p = hoffmann_like(0.34, 0.28, 2)  # a ranges over [0.4435, 0.4597], which meets (0.4535, 0.4555)
    row = evaluate_claim(p, p.claim("a"), {})
    assert row["verdict"] == verdicts.NOT_TESTABLE
    assert "consistent" in row["consistency"] and "cannot" not in row["consistency"]


def test_unrounded_constants_contradict_the_interval():
    p = hoffmann_like(0.33917084, 0.2849083, 8)  # a = 0.456526, outside [0.4535, 0.4555]
    row = evaluate_claim(p, p.claim("a"), {})
    assert row["verdict"] == verdicts.INCONSISTENT
    assert "[0.456526, 0.456526]" in row["consistency"] and "cannot both hold" in row["consistency"]
    assert "alpha = 0.33917084" in row["consistency"]


def test_an_unverified_input_is_shown_but_does_not_decide():
    p = hoffmann_like(0.33917084, 0.2849083, 8, provenance="unverified")
    row = evaluate_claim(p, p.claim("a"), {})
    assert row["verdict"] == verdicts.NOT_TESTABLE
    assert "does not decide" in row["consistency"]


def test_formula_cannot_run_code():
    with pytest.raises(Exception):
        formula_range("__import__('os').system('true')", {"x": (1.0, 2.0)})


def test_follows_from_names_known_claims():
    with pytest.raises(ValidationError, match="unknown claims"):
        paper([claim("a", value=0.5, rule="none", not_testable_reason="x",
                     follows_from=[{"formula": "b", "inputs": {"b": "nowhere"}}])])


# --- identification ----------------------------------------------------------------------------------

def test_interval_spanning_more_than_a_factor_ten_is_not_identified():
    rng = np.random.default_rng(3)
    q = Quantity(15.0, np.exp(rng.normal(np.log(15.0), 2.0, 4000)))  # 95% interval spans a factor of e^7.8
    row = one(claim("r", quantity="R", value=15.4, decimals=1), {"R": q})
    assert row["rule_outcome"] == verdicts.REPRODUCED  # the interval rule alone would pass ...
    assert row["verdict"] == verdicts.NOT_IDENTIFIED  # ... but the data do not determine R
    assert "spans a factor" in row["identification"]
    # the same quantity under another rule gets the same verdict: one consistent verdict per quantity
    row2 = one(claim("r2", quantity="R", value=15.4, rule="relative", tolerance=0.05, tolerance_reason="x"), {"R": q})
    assert row2["verdict"] == verdicts.NOT_IDENTIFIED


def test_interval_reaching_zero_is_not_identified():
    rng = np.random.default_rng(4)
    q = Quantity(1.0, rng.normal(1.0, 1.0, 4000))
    row = one(claim("r", quantity="R", value=1.0), {"R": q})
    assert row["verdict"] == verdicts.NOT_IDENTIFIED and "zero" in row["identification"]


def test_a_fit_that_fails_identification_makes_its_claims_not_identified():
    health = [{"fit": "main", "check": "identified", "status": "fail", "detail": "2 points for 2 parameters"},
              {"fit": "other", "check": "identified", "status": "ok", "detail": ""}]
    qs = {"a": Quantity(0.5), "other.a": Quantity(0.5)}
    row = one(claim("x", quantity="a", value=0.5, decimals=1, rule="rounding"), qs, health)
    assert row["verdict"] == verdicts.NOT_IDENTIFIED and "2 points" in row["identification"]
    row = one(claim("y", quantity="other.a", value=0.5, decimals=1, rule="rounding"), qs, health)
    assert row["verdict"] == verdicts.REPRODUCED
    # a claim naming its fits explicitly
    row = one(claim("z", quantity="ratio", value=1.0, rule="at_least", fits=["main"]), {"ratio": Quantity(2.0)}, health)
    assert row["verdict"] == verdicts.NOT_IDENTIFIED


# --- same data, same method --------------------------------------------------------------------------

def test_same_method_needs_the_printed_digits_not_a_standard_error():
    c = claim("A", quantity="A", value=482.01, decimals=2, rule="same_method", basis="same data, same method")
    assert one(c, {"A": Quantity(482.006)})["verdict"] == verdicts.REPRODUCED
    assert one(c, {"A": Quantity(482.02)})["verdict"] == verdicts.NOT_REPRODUCED  # 0.01 off: beyond 0.005 + 5e-4
    # the same difference passes within_se with the printed SE, which is why that rule is not for this case
    w = claim("A", quantity="A", value=482.01, decimals=2, se=124.52, rule="within_se", basis="other data or method")
    assert one(w, {"A": Quantity(600.0)})["verdict"] == verdicts.REPRODUCED


def test_schema_keeps_within_se_away_from_same_method_estimates():
    with pytest.raises(ValidationError, match="same_method"):
        paper([claim("A", quantity="A", value=1.0, se=0.1, rule="within_se", basis="same data, same method")])
    with pytest.raises(ValidationError, match="basis"):
        paper([claim("A", quantity="A", value=1.0, rule="same_method")])


# --- Monte Carlo error -------------------------------------------------------------------------------

def test_quantile_mcse_matches_the_asymptotic_formula():
    rng = np.random.default_rng(5)
    b, p = 4000, 0.1
    s = rng.normal(0.0, 1.0, b)
    expected = math.sqrt(p * (1 - p) / b) / norm.pdf(norm.ppf(p))
    assert quantile_mcse(s, p) == pytest.approx(expected, rel=0.3)
    lo, hi = interval_mcse(s, 0.8)
    assert lo == pytest.approx(expected, rel=0.3) and hi == pytest.approx(expected, rel=0.3)


def test_quantile_mcse_is_right_across_repeated_bootstraps():
    """The MCSE predicts the spread of the quantile over independent sets of B replicates."""
    rng = np.random.default_rng(6)
    sets = rng.exponential(1.0, size=(400, 1000))
    spread = np.std(np.quantile(sets, 0.975, axis=1))
    predicted = np.median([quantile_mcse(s, 0.975) for s in sets[:50]])
    assert predicted == pytest.approx(spread, rel=0.3)


def test_se_mcse_matches_normal_theory():
    rng = np.random.default_rng(7)
    s = rng.normal(0.0, 2.0, 4000)
    assert se_mcse(s) == pytest.approx(2.0 / math.sqrt(2 * 4000), rel=0.35)


def test_jackknife_mcse_of_a_mean():
    rng = np.random.default_rng(8)
    s = rng.normal(0.0, 1.0, 2000)
    assert jackknife_mcse(np.mean, s) == pytest.approx(1 / math.sqrt(2000), rel=0.4)


def test_quantity_summary_carries_mcse():
    rng = np.random.default_rng(9)
    out = Quantity(0.0, rng.normal(0, 1, 500)).summary()
    assert set(out["intervals_mcse"]) == {"0.8", "0.95"} and out["se_mcse"] > 0


# --- borderline ---------------------------------------------------------------------------------------

def test_interval_end_within_two_mcse_is_borderline():
    rng = np.random.default_rng(10)
    q = Quantity(0.0, rng.normal(0.0, 1.0, 200))
    hi = q.interval(0.95)[1]
    row = one(claim("x", quantity="q", value=hi - 0.01), {"q": q})
    assert row["rule_outcome"] == verdicts.REPRODUCED
    assert row["verdict"] == verdicts.BORDERLINE and "MCSE" in row["sensitivity"]
    row = one(claim("x", quantity="q", value=0.0), {"q": q})  # the centre is far from either end
    assert row["verdict"] == verdicts.REPRODUCED


def test_derived_number_within_two_mcse_of_its_threshold_is_borderline():
    c = claim("runs", quantity="n", value=600_000, rule="at_least")
    assert one(c, {"n": Quantity(655_000, mcse=40_000)})["verdict"] == verdicts.BORDERLINE
    assert one(c, {"n": Quantity(655_000, mcse=20_000)})["verdict"] == verdicts.REPRODUCED
    assert one(c, {"n": Quantity(655_000)})["verdict"] == verdicts.REPRODUCED  # no MC error known


def test_alternative_criterion_left_open_makes_a_flip_borderline():
    base = dict(quantity="n", value=600_000, rule="at_least")
    qs = {"n": Quantity(655_000, mcse=1.0), "n_alt": Quantity(597_000, mcse=1.0)}
    open_alt = claim("c", **base, alternatives=[{"quantity": "n_alt", "why": "other criterion", "open": True}])
    row = one(open_alt, qs)
    assert row["verdict"] == verdicts.BORDERLINE and "597000" in row["sensitivity"]
    stated = claim("c", **base, alternatives=[{"quantity": "n_alt", "why": "other criterion", "open": False}])
    row = one(stated, qs)
    assert row["verdict"] == verdicts.REPRODUCED and "597000" in row["sensitivity"]  # shown, not deciding


def test_joint_test_is_not_stopped_by_one_component_wide_interval(correlated):
    qs, _ = correlated
    wide = dict(qs)
    rng = np.random.default_rng(12)
    L = np.log(qs["A"].samples) + rng.normal(0, 2.0, qs["A"].samples.size)  # A alone spans a huge factor
    wide["A"] = Quantity(0.30, np.exp(L))
    p = joint_paper((0.53, 0.29), 2)
    rows = {r["claim"]: r for r in evaluate_claims(p, wide)}
    assert rows["cA"]["verdict"] == verdicts.NOT_IDENTIFIED
    assert rows["pair"]["verdict"] != verdicts.NOT_IDENTIFIED
    health = [{"fit": "main", "check": "identified", "status": "fail", "detail": "flat ridge"}]
    rows = {r["claim"]: r for r in evaluate_claims(p, wide, health)}
    assert rows["pair"]["verdict"] == verdicts.NOT_IDENTIFIED and "flat ridge" in rows["pair"]["identification"]


# --- a claim of disagreement, and signed differences ---------------------------------------------------

def _normal(mu, sd, n=4000, seed=1):
    return mu + sd * np.random.default_rng(seed).standard_normal(n)


def test_outside_rule_reproduces_a_disagreement_only_when_the_value_is_outside_the_interval():
    q = Quantity(0.514, _normal(0.514, 0.02))  # 95% interval about (0.475, 0.553)
    far = one(claim("x", quantity="a", value=0.4565, decimals=4, rule="outside"), {"a": q})
    near = one(claim("x", quantity="a", value=0.50, decimals=2, rule="outside"), {"a": q})
    assert far["verdict"] == "reproduced" and near["verdict"] == "not reproduced"
    # half a printed unit counts against the claim: 0.47 printed covers 0.465 .. 0.475, which touches the interval
    lo = q.interval(0.95)[0]
    edge = one(claim("x", quantity="a", value=round(lo - 0.004, 2), decimals=2, rule="outside"), {"a": q})
    assert edge["rule_outcome"] == ("reproduced" if round(lo - 0.004, 2) + 0.005 < lo else "not reproduced")
    with pytest.raises(ValidationError, match="rule 'outside'"):
        paper([claim("x", quantity="a", rule="outside", interval={"low": 0.4, "high": 0.5, "level": 0.95})])


def test_a_signed_difference_straddling_zero_is_judged_not_left_unidentified():
    samples = _normal(0.0016, 0.026)
    magnitude = Quantity(0.0016, samples)
    difference = Quantity(0.0016, samples, signed=True)
    c = claim("x", quantity="d", value=0, rule="interval")
    assert one(c, {"d": magnitude})["verdict"] == "not identified"
    assert one(c, {"d": difference})["verdict"] == "reproduced"
    away = Quantity(0.1, _normal(0.1, 0.02), signed=True)
    assert one(c, {"d": away})["verdict"] == "not reproduced"
