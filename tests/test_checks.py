"""Known-answer tests of the checks: claims rules, schema validation, CI width, extrapolation, fit health,
and the compute-optimal allocation."""

import math

import numpy as np
import pytest
from pydantic import ValidationError
from scipy.optimize import minimize_scalar
from scipy.stats import chi2, norm

from replication.checks.ci_width import NARROW_RATIO, ci_width_rows, runs_needed
from replication.checks.claims import (
    NOT_REPRODUCED,
    NOT_TESTABLE,
    REPRODUCED,
    evaluate_claim,
    evaluate_claims,
    half_unit,
)
from replication.checks.extrapolation import extrapolation_errors, split_by_threshold
from replication.checks.fit_health import RIDGE_CONDITION, fit_health_rows
from replication.checks.quantity import Quantity
from replication.fitting.result import FitResult
from replication.laws.allocation import allocation
from replication.metadata.paper import Paper

ROW_COLUMNS = ["paper", "claim", "quantity", "claimed", "replicated", "ci_low", "ci_high", "ci_level", "rel_diff", "verdict"]


# --- helpers --------------------------------------------------------------------------------------

def claim(cid, **kw):
    return {"id": cid, "statement": f"claim {cid}", "source": "synthetic", "provenance": "paper", **kw}


def paper(claims, **kw):
    return Paper.model_validate({
        "key": "synthetic2024", "title": "Synthetic", "authors": ["Nobody"], "year": 2024, "status": "replicated",
        "law": {"name": "chinchilla", "statement": "L = E + A/N^alpha + B/D^beta"}, "claims": claims, **kw,
    })


def one(claim_dict, quantities, **kw):
    p = paper([claim_dict], **kw)
    return evaluate_claim(p, p.claims[0], quantities)


@pytest.fixture(scope="module")
def normal_q():
    """Point 10, replicates N(10, 1): the 95% percentile interval is about 10 -/+ 1.96."""
    rng = np.random.default_rng(12345)
    return Quantity(10.0, rng.normal(10.0, 1.0, 40_000))


# --- Quantity -------------------------------------------------------------------------------------

def test_quantity_interval_and_se_match_the_normal(normal_q):
    lo, hi = normal_q.interval(0.95)
    assert lo == pytest.approx(10 - 1.959964, abs=0.05)
    assert hi == pytest.approx(10 + 1.959964, abs=0.05)
    lo80, hi80 = normal_q.interval(0.8)
    assert lo80 == pytest.approx(10 - 1.281552, abs=0.04)
    assert hi80 == pytest.approx(10 + 1.281552, abs=0.04)
    assert normal_q.se == pytest.approx(1.0, abs=0.02)


def test_quantity_without_samples_has_nan_interval():
    q = Quantity(3.0)
    assert all(math.isnan(v) for v in q.interval(0.95))
    assert math.isnan(q.se)
    assert q.summary() == {"value": 3.0}


# --- rule: interval -------------------------------------------------------------------------------

def test_half_unit():
    assert half_unit(None) == 0.0
    assert half_unit(0) == 0.5
    assert half_unit(2) == pytest.approx(0.005)


@pytest.mark.parametrize(
    "value, decimals, verdict",
    [
        (11.0, None, REPRODUCED),  # well inside
        (10.0, 2, REPRODUCED),
        (12.5, None, NOT_REPRODUCED),  # outside, ~0.5 SD beyond the upper bound
        (12.0, None, NOT_REPRODUCED),  # just beyond 11.96 ...
        (12.0, 0, REPRODUCED),  # ... but printed as '12' it may be as low as 11.5: widened, inside
        (12.1, 1, NOT_REPRODUCED),  # '12.1' is at least 12.05 > 11.96 + 0.05
        (8.0, 0, REPRODUCED),  # lower side, widened
        (7.4, 0, NOT_REPRODUCED),  # 7.4 + 0.5 < 8.04
        (8.0, None, NOT_REPRODUCED),  # just below 8.04 without widening
    ],
)
def test_interval_rule_with_rounding_widening(normal_q, value, decimals, verdict):
    row = one(claim("x", quantity="q", value=value, decimals=decimals), {"q": normal_q})
    assert row["verdict"] == verdict
    lo, hi = normal_q.interval(0.95)
    assert row["ci_low"] == lo and row["ci_high"] == hi
    assert row["ci_level"] == 0.95
    assert row["replicated"] == 10.0
    assert row["claimed"] == value
    assert row["rel_diff"] == pytest.approx((10.0 - value) / abs(value))
    assert row["rule"] == "interval"


def test_interval_rule_row_columns(normal_q):
    row = one(claim("x", quantity="q", value=11.0), {"q": normal_q})
    for col in ROW_COLUMNS:
        assert col in row
    assert row["paper"] == "synthetic2024"
    assert row["claim"] == "x"
    assert row["quantity"] == "q"


def test_claimed_interval_is_compared_at_its_own_level(normal_q):
    row = one(claim("x", quantity="q", interval={"low": 11.0, "high": 12.0, "level": 0.8}), {"q": normal_q})
    assert row["ci_level"] == 0.8
    assert row["ci_low"] == pytest.approx(10 - 1.2816, abs=0.04)
    assert row["ci_high"] == pytest.approx(10 + 1.2816, abs=0.04)
    assert math.isnan(row["claimed"])


def test_claimed_interval_overlap_known_answers(normal_q):
    # 80% interval ~ (8.72, 11.28)
    cases = [((11.0, 12.0), REPRODUCED), ((11.5, 13.0), NOT_REPRODUCED), ((6.0, 8.5), NOT_REPRODUCED),
             ((9.0, 9.5), REPRODUCED), ((5.0, 15.0), REPRODUCED)]
    for (low, high), verdict in cases:
        row = one(claim("x", quantity="q", interval={"low": low, "high": high, "level": 0.8}), {"q": normal_q})
        assert row["verdict"] == verdict, (low, high)


def test_claimed_interval_widened_by_rounding(normal_q):
    # '11.4 .. 12' printed with 1 decimal could start at 11.35; the 80% upper bound is ~11.28: still apart ...
    row = one(claim("x", quantity="q", interval={"low": 11.4, "high": 12.0, "level": 0.8}, decimals=1), {"q": normal_q})
    assert row["verdict"] == NOT_REPRODUCED
    # ... printed with no decimals, '11 .. 12' could start at 10.5 -- here 11.4 widened by 0.5 overlaps
    row = one(claim("x", quantity="q", interval={"low": 11.4, "high": 12.0, "level": 0.8}, decimals=0), {"q": normal_q})
    assert row["verdict"] == REPRODUCED


def test_interval_rule_without_samples_is_not_testable():
    row = one(claim("x", quantity="q", value=1.0), {"q": Quantity(1.0)})
    assert row["verdict"] == NOT_TESTABLE
    assert "no bootstrap interval" in row["note"]
    assert row["replicated"] == 1.0


# --- other rules ----------------------------------------------------------------------------------

@pytest.mark.parametrize("se, verdict", [(0.6, REPRODUCED), (0.5, REPRODUCED), (0.4, NOT_REPRODUCED)])
def test_within_se(se, verdict):
    row = one(claim("x", quantity="q", value=10.5, se=se, rule="within_se"), {"q": Quantity(10.0)})
    assert row["verdict"] == verdict
    assert row["rule"] == "within_se"


def test_within_se_is_symmetric():
    row = one(claim("x", quantity="q", value=9.5, se=0.4, rule="within_se"), {"q": Quantity(10.0)})
    assert row["verdict"] == NOT_REPRODUCED
    row = one(claim("x", quantity="q", value=9.5, se=0.6, rule="within_se"), {"q": Quantity(10.0)})
    assert row["verdict"] == REPRODUCED


@pytest.mark.parametrize(
    "replicated, claimed, decimals, verdict",
    [
        (0.3449, 0.34, 2, REPRODUCED),
        (0.3351, 0.34, 2, REPRODUCED),
        (0.3451, 0.34, 2, NOT_REPRODUCED),
        (0.3349, 0.34, 2, NOT_REPRODUCED),
        (478.4, 478, 0, REPRODUCED),
        (478.6, 478, 0, NOT_REPRODUCED),
        (1.25, 1.25, None, REPRODUCED),  # no precision given: equality
        (1.2501, 1.25, None, NOT_REPRODUCED),
    ],
)
def test_rounding(replicated, claimed, decimals, verdict):
    row = one(claim("x", quantity="q", value=claimed, decimals=decimals, rule="rounding"), {"q": Quantity(replicated)})
    assert row["verdict"] == verdict


@pytest.mark.parametrize("replicated, verdict", [(108.0, REPRODUCED), (92.0, REPRODUCED), (115.0, NOT_REPRODUCED),
                                                 (85.0, NOT_REPRODUCED)])
def test_relative_with_tolerance(replicated, verdict):
    c = claim("x", quantity="q", value=100.0, rule="relative", tolerance=0.1, tolerance_reason="noisy")
    row = one(c, {"q": Quantity(replicated)})
    assert row["verdict"] == verdict
    assert row["rel_diff"] == pytest.approx((replicated - 100.0) / 100.0)
    assert "noisy" in row["note"]


def test_relative_uses_absolute_value_of_the_claim():
    c = claim("x", quantity="q", value=-100.0, rule="relative", tolerance=0.1, tolerance_reason="r")
    row = one(c, {"q": Quantity(-105.0)})
    assert row["rel_diff"] == pytest.approx(-0.05)
    assert row["verdict"] == REPRODUCED


@pytest.mark.parametrize("replicated, verdict", [(600_001.0, REPRODUCED), (600_000.0, REPRODUCED),
                                                 (599_999.0, NOT_REPRODUCED)])
def test_at_least(replicated, verdict):
    row = one(claim("x", quantity="q", value=600_000, rule="at_least"), {"q": Quantity(replicated)})
    assert row["verdict"] == verdict


def test_none_rule_is_not_testable_with_its_reason(normal_q):
    row = one(claim("x", rule="none", not_testable_reason="needs private runs", quantity="q", value=10.0),
              {"q": normal_q})
    assert row["verdict"] == NOT_TESTABLE
    assert row["note"] == "needs private runs"
    assert math.isnan(row["replicated"])
    for col in ROW_COLUMNS:
        assert col in row


def test_missing_quantity_is_not_testable():
    row = one(claim("x", quantity="absent", value=1.0, rule="at_least"), {"other": Quantity(5.0)})
    assert row["verdict"] == NOT_TESTABLE
    assert "absent" in row["note"]
    assert math.isnan(row["replicated"]) and math.isnan(row["ci_low"])
    for col in ROW_COLUMNS:
        assert col in row


def test_unverified_provenance_is_noted():
    c = claim("x", quantity="q", value=1.0, rule="at_least")
    c["provenance"] = "unverified"
    row = one(c, {"q": Quantity(2.0)})
    assert row["verdict"] == REPRODUCED
    assert "unverified" in row["note"]


# --- rule: joint ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def joint_quantities():
    """log X, log Y bivariate normal around log 2, log 3, SD 0.1 each, correlation 0.9."""
    rng = np.random.default_rng(7)
    sd, rho = 0.1, 0.9
    cov = sd**2 * np.array([[1, rho], [rho, 1]])
    L = rng.multivariate_normal([np.log(2.0), np.log(3.0)], cov, size=20_000)
    return {"X": Quantity(2.0, np.exp(L[:, 0])), "Y": Quantity(3.0, np.exp(L[:, 1]))}


def joint_paper(x, y):
    return paper([
        claim("cx", quantity="X", value=x),
        claim("cy", quantity="Y", value=y),
        claim("both", rule="joint", components=["cx", "cy"]),
    ])


def test_joint_claim_equal_to_the_point_is_reproduced(joint_quantities):
    p = joint_paper(2.0, 3.0)
    row = evaluate_claim(p, p.claim("both"), joint_quantities)
    assert row["verdict"] == REPRODUCED
    assert row["replicated"] == pytest.approx(0.0, abs=1e-12)  # d^2
    assert row["quantity"] == "(X, Y)"
    assert row["ci_level"] == 0.95
    for col in ROW_COLUMNS:
        assert col in row


def test_joint_claim_many_sds_away_is_not_reproduced(joint_quantities):
    p = joint_paper(2.0 * np.exp(1.0), 3.0)  # log X off by 10 SDs
    row = evaluate_claim(p, p.claim("both"), joint_quantities)
    assert row["verdict"] == NOT_REPRODUCED
    assert row["replicated"] > 50


def test_joint_uses_the_bootstrap_covariance(joint_quantities):
    # each component 2 SDs off: along the correlation d^2 = 8 / 1.9 ~ 4.2 (p ~ 0.12), across it 8 / 0.1 = 80
    same = joint_paper(2.0 * np.exp(0.2), 3.0 * np.exp(0.2))
    opposite = joint_paper(2.0 * np.exp(0.2), 3.0 * np.exp(-0.2))
    r_same = evaluate_claim(same, same.claim("both"), joint_quantities)
    r_opp = evaluate_claim(opposite, opposite.claim("both"), joint_quantities)
    assert r_same["replicated"] == pytest.approx(8 / 1.9, rel=0.05)
    assert r_opp["replicated"] == pytest.approx(80, rel=0.05)
    assert r_same["verdict"] == REPRODUCED
    assert r_opp["verdict"] == NOT_REPRODUCED
    # independent recomputation of d^2 and the p-value threshold
    S = np.column_stack([joint_quantities["X"].samples, joint_quantities["Y"].samples])
    cov = np.cov(np.log(S), rowvar=False)
    diff = np.array([0.2, 0.2])
    d2 = diff @ np.linalg.solve(cov, diff)
    assert r_same["replicated"] == pytest.approx(d2, rel=1e-9)
    assert chi2.sf(d2, 2) > 0.05


def test_joint_without_replicates_is_not_testable():
    p = joint_paper(2.0, 3.0)
    row = evaluate_claim(p, p.claim("both"), {"X": Quantity(2.0), "Y": Quantity(3.0)})
    assert row["verdict"] == NOT_TESTABLE
    row = evaluate_claim(p, p.claim("both"), {})
    assert row["verdict"] == NOT_TESTABLE


def test_evaluate_claims_gives_one_row_per_claim(joint_quantities):
    p = joint_paper(2.0, 3.0)
    rows = evaluate_claims(p, joint_quantities)
    assert [r["claim"] for r in rows] == ["both", "cx", "cy"]  # the joint row first, then its components
    assert [r["joint"] for r in rows] == ["", "both", "both"]


# --- schema validation ----------------------------------------------------------------------------

@pytest.mark.parametrize(
    "claims",
    [
        [claim("r", quantity="q", value=1.0, rule="relative")],  # no tolerance
        [claim("r", quantity="q", value=1.0, rule="relative", tolerance=0.1)],  # no tolerance_reason
        [claim("s", quantity="q", value=1.0, rule="within_se")],  # no se
        [claim("d", quantity="q", value=1.0), claim("d", quantity="q", value=2.0)],  # duplicate ids
        [claim("a", quantity="q", value=1.0), claim("j", rule="joint", components=["a", "ghost"])],  # unknown component
        [claim("a", quantity="q", value=1.0), claim("j", rule="joint", components=["a"])],  # one component
        [claim("n", rule="none")],  # no reason
        [claim("v", quantity="q")],  # neither value nor interval
        [claim("i", quantity="q", value=1.0, interval={"low": 0, "high": 1, "level": 95})],  # level outside (0, 1)
        [claim("e", quantity="q", value=1.0, colour="red")],  # unknown field
    ],
)
def test_invalid_claims_raise(claims):
    with pytest.raises(ValidationError):
        paper(claims)


def test_valid_counterparts_pass():
    p = paper([
        claim("r", quantity="q", value=1.0, rule="relative", tolerance=0.1, tolerance_reason="why"),
        claim("s", quantity="q", value=1.0, rule="within_se", se=0.1),
        claim("a", quantity="q", value=1.0),
        claim("j", rule="joint", components=["a", "s"]),
        claim("n", rule="none", not_testable_reason="private"),
        claim("i", quantity="q", interval={"low": 0, "high": 1, "level": 0.95}),
    ])
    assert [c.id for c in p.claims] == ["r", "s", "a", "j", "n", "i"]
    with pytest.raises(KeyError):
        p.claim("missing")


def test_duplicate_id_error_names_the_id():
    with pytest.raises(ValidationError, match="dup"):
        paper([claim("dup", quantity="q", value=1.0), claim("dup", quantity="q", value=2.0)])


def test_unknown_component_error_names_it():
    with pytest.raises(ValidationError, match="ghost"):
        paper([claim("a", quantity="q", value=1.0), claim("j", rule="joint", components=["a", "ghost"])])


# --- CI width -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def uniform_q():
    """Replicates 0, 0.001, ..., 1: the level-L percentile interval is exactly ((1-L)/2, (1+L)/2)."""
    return Quantity(0.5, np.linspace(0.0, 1.0, 1001))


def test_uniform_fixture_interval(uniform_q):
    lo, hi = uniform_q.interval(0.8)
    assert (lo, hi) == pytest.approx((0.1, 0.9), abs=1e-12)


def test_runs_needed_known_answer(uniform_q):
    # replicated 80% width 0.8, claimed width 0.2: 100 points x (0.8/0.2)^2 = 1600
    assert runs_needed(uniform_q, (0.4, 0.6), 0.8, 100) == pytest.approx(1600.0)
    # 95%: width 0.95, claimed 0.05 -> 240 x 19^2
    assert runs_needed(uniform_q, (0.475, 0.525), 0.95, 240) == pytest.approx(240 * 19**2)
    assert runs_needed(uniform_q, (0.5, 0.5), 0.8, 100) == float("inf")


def ci_paper(intervals, runs_reported=None):
    claims = [claim(cid, quantity="a", interval=iv, decimals=dec) for cid, iv, dec in intervals]
    claims.append(claim("point", quantity="a", value=0.5))  # no interval: no row
    return paper(claims, runs_reported=runs_reported)


def test_ci_width_flags(uniform_q):
    assert NARROW_RATIO == 0.5
    p = ci_paper([
        ("tiny", {"low": 0.45, "high": 0.55, "level": 0.8}, 2),  # widest 0.11 < 0.4 -> narrow
        ("r2", {"low": 0.30, "high": 0.68, "level": 0.8}, 2),  # widest 0.39 < 0.4 -> narrow
        ("r1", {"low": 0.30, "high": 0.68, "level": 0.8}, 1),  # same interval, '0.3 .. 0.7' -> widest 0.48: plausible
        ("wide", {"low": 0.1, "high": 0.9, "level": 0.8}, None),  # as wide as the replication
    ], runs_reported=400)
    rows = {r["claim"]: r for r in ci_width_rows(p, {"a": uniform_q}, {"a": 240.0})}
    assert set(rows) == {"tiny", "r2", "r1", "wide"}
    assert rows["tiny"]["flag"] == "implausibly narrow"
    assert rows["r2"]["flag"] == "implausibly narrow"
    assert rows["r1"]["flag"] == "plausible"
    assert rows["wide"]["flag"] == "plausible"
    t = rows["tiny"]
    assert t["claimed_width"] == pytest.approx(0.1)
    assert t["claimed_width_max"] == pytest.approx(0.11)
    assert t["replicated_width"] == pytest.approx(0.8)
    assert t["width_ratio"] == pytest.approx(0.1 / 0.8)
    assert t["runs_needed"] == pytest.approx(240 * (0.8 / 0.1) ** 2)
    assert t["n_points"] == 240.0
    assert t["runs_reported"] == 400
    assert t["ci_level"] == 0.8
    assert (t["replicated_low"], t["replicated_high"]) == pytest.approx((0.1, 0.9))


def test_ci_width_not_testable_without_replicates(uniform_q):
    p = ci_paper([("c", {"low": 0.45, "high": 0.55, "level": 0.8}, 2)])
    rows = ci_width_rows(p, {"a": Quantity(0.5)}, {"a": 240.0})
    assert len(rows) == 1 and rows[0]["flag"] == "not testable"
    assert math.isnan(rows[0]["runs_needed"]) and math.isnan(rows[0]["runs_reported"])
    rows = ci_width_rows(p, {}, {})
    assert rows[0]["flag"] == "not testable"


# --- extrapolation --------------------------------------------------------------------------------

def test_extrapolation_errors_known_answer():
    y = np.array([1.0, 2.0, 4.0, 5.0])
    yh = np.array([1.1, 1.8, 4.0, 6.0])
    e = extrapolation_errors(y, yh)
    rel = [0.1, 0.1, 0.0, 0.2]
    assert e["are"] == pytest.approx(np.mean(rel))
    assert e["max_are"] == pytest.approx(0.2)
    logs = [math.log(1 / 1.1), math.log(2 / 1.8), 0.0, math.log(5 / 6)]
    assert e["rmse_log"] == pytest.approx(math.sqrt(sum(v * v for v in logs) / 4))


def test_extrapolation_errors_perfect_and_empty():
    e = extrapolation_errors([1.0, 3.0], [1.0, 3.0])
    assert e == {"are": 0.0, "max_are": 0.0, "rmse_log": 0.0}
    e = extrapolation_errors([], [])
    assert all(math.isnan(v) for v in e.values())
    assert set(e) == {"are", "max_are", "rmse_log"}


def test_split_by_threshold():
    fit, held = split_by_threshold(np.array([1e19, 5e20, 1e21, 3e21]), 1e21)
    assert fit.tolist() == [True, True, False, False]  # at the threshold is held out
    assert held.tolist() == [False, False, True, True]


# --- fit health -----------------------------------------------------------------------------------

def fit_result(**kw):
    base = dict(
        law="chinchilla", objective="huber", param_names=("a", "b"), theta=np.array([1.0, 2.0]), fun=0.1,
        grad=np.array([1e-9, -2e-9]), converged=True, n_iter=12, start=np.array([0.5, 1.5]), n_starts=3,
        n_points=20.0, n_at_best=3, bounds=None,
    )
    base.update(kw)
    return FitResult(**base)


GRID = np.array([[0.5, 1.5], [0.0, 0.0], [5.0, 5.0]])
GOOD_H = np.diag([2.0, 1.0])


def health(fit, starts=GRID, hessian=GOOD_H):
    rows = fit_health_rows("synthetic2024", "main", fit, starts, hessian)
    for r in rows:
        assert r["paper"] == "synthetic2024" and r["fit"] == "main" and r["rule"]
    return {r["check"]: r for r in rows}


def test_healthy_fit_passes_every_check():
    h = health(fit_result())
    assert set(h) == {"converged", "moved_from_start", "off_start_grid", "off_bounds", "hessian_condition", "starts_at_best",
                      "points_per_parameter", "bootstrap_spread", "identified"}
    for check in ("converged", "moved_from_start", "off_start_grid", "off_bounds", "hessian_condition",
                  "points_per_parameter", "identified"):
        assert h[check]["status"] == "ok", check
    assert h["bootstrap_spread"]["status"] == "info"  # no bootstrap given
    assert h["starts_at_best"]["status"] == "info"
    assert h["starts_at_best"]["value"] == 3
    assert h["hessian_condition"]["value"] == pytest.approx(2.0)
    assert h["moved_from_start"]["value"] == pytest.approx(0.5)  # |1 - 0.5| / 1


def test_not_converged_warns():
    h = health(fit_result(converged=False))
    assert h["converged"]["status"] == "warn"
    assert h["converged"]["value"] is False


def test_optimum_at_its_start_warns():
    h = health(fit_result(start=np.array([1.0, 2.0])))
    assert h["moved_from_start"]["status"] == "warn"
    assert h["moved_from_start"]["value"] == 0.0


def test_optimum_on_a_grid_point_warns():
    grid = np.vstack([GRID, [1.0, 2.0]])
    h = health(fit_result(), starts=grid)
    assert h["off_start_grid"]["status"] == "warn"
    assert h["off_start_grid"]["value"] is False
    # a point merely near the grid (1e-4 away) is off it
    h = health(fit_result(theta=np.array([1.0001, 2.0])), starts=grid)
    assert h["off_start_grid"]["status"] == "ok"


def test_parameter_at_a_bound_warns():
    bounds = np.array([[0.0, 10.0], [2.0, 5.0]])  # b = 2.0 sits on its lower bound
    h = health(fit_result(bounds=bounds))
    assert h["off_bounds"]["status"] == "warn"
    assert "b" in h["off_bounds"]["detail"] and "a" not in h["off_bounds"]["detail"].split(", ")
    h = health(fit_result(bounds=np.array([[0.0, 10.0], [0.0, 5.0]])))
    assert h["off_bounds"]["status"] == "ok"
    h = health(fit_result(bounds=np.array([[-5.0, 1.0], [0.0, 5.0]])))  # a at its upper bound
    assert h["off_bounds"]["status"] == "warn"


def test_ill_conditioned_hessian_warns():
    h = health(fit_result(), hessian=np.diag([1.0, 1e-12]))
    assert h["hessian_condition"]["status"] == "warn"
    assert h["identified"]["status"] == "fail"  # a flat ridge: the parameters are not identified
    assert h["hessian_condition"]["value"] == pytest.approx(1e12, rel=1e-6)
    assert RIDGE_CONDITION < 1e12
    # rotated, so the ridge is not along an axis
    Q = np.array([[1, 1], [1, -1]]) / np.sqrt(2)
    h = health(fit_result(), hessian=Q @ np.diag([1.0, 1e-12]) @ Q.T)
    assert h["hessian_condition"]["status"] == "warn"
    h = health(fit_result(), hessian=Q @ np.diag([1.0, 1e-6]) @ Q.T)
    assert h["hessian_condition"]["status"] == "ok"


def test_non_positive_definite_hessian_warns():
    h = health(fit_result(), hessian=np.diag([2.0, -1.0]))  # condition 2, but a saddle
    assert h["hessian_condition"]["status"] == "warn"
    assert "not positive definite" in h["hessian_condition"]["detail"]
    h = health(fit_result(), hessian=np.diag([2.0, 0.0]))  # singular
    assert h["hessian_condition"]["status"] == "warn"
    assert h["hessian_condition"]["value"] == float("inf")


# --- allocation -----------------------------------------------------------------------------------

def test_allocation_equal_exponents():
    C = 5.88e23
    out = allocation(406.4, 410.7, 0.3, 0.3, compute=[C])
    assert out["a_alloc"] == pytest.approx(0.5)
    assert out["b_alloc"] == pytest.approx(0.5)
    assert out["G"] == pytest.approx((406.4 / 410.7) ** (1 / 0.6))
    N, D = out["N_opt@5.88e+23"], out["D_opt@5.88e+23"]
    assert 6 * N * D == pytest.approx(C, rel=1e-12)
    assert out["tokens_per_param@5.88e+23"] == pytest.approx(D / N)


def test_allocation_formulas():
    A, B, al, be, C = 406.4, 410.7, 0.34, 0.28, 1e22
    out = allocation(A, B, al, be, compute=[C])
    G = (al * A / (be * B)) ** (1 / (al + be))
    assert out["a_alloc"] == pytest.approx(be / (al + be))
    assert out["b_alloc"] == pytest.approx(al / (al + be))
    assert out["G"] == pytest.approx(G)
    assert out["N_opt@1e+22"] == pytest.approx(G * (C / 6) ** (be / (al + be)))
    assert out["D_opt@1e+22"] == pytest.approx((C / 6) ** (al / (al + be)) / G)
    assert 6 * out["N_opt@1e+22"] * out["D_opt@1e+22"] == pytest.approx(C)


@pytest.mark.parametrize("C", [1e20, 5.88e23])
def test_allocation_matches_brute_force_minimisation(C):
    E, A, B, al, be = 1.69, 406.4, 410.7, 0.34, 0.28

    def loss_at_log_n(x):
        N = math.exp(x)
        D = C / (6 * N)
        return E + A / N**al + B / D**be

    res = minimize_scalar(loss_at_log_n, bounds=(math.log(1e3), math.log(C / 6 / 1e3)), method="bounded",
                          options={"xatol": 1e-10})
    out = allocation(A, B, al, be, compute=[C])
    tag = f"{C:.3g}"
    assert out[f"N_opt@{tag}"] == pytest.approx(math.exp(res.x), rel=1e-5)
    assert out[f"D_opt@{tag}"] == pytest.approx(C / (6 * math.exp(res.x)), rel=1e-5)
    # and nothing nearby does better
    x_opt = math.log(out[f"N_opt@{tag}"])
    for dx in (-0.01, 0.01):
        assert loss_at_log_n(x_opt + dx) > loss_at_log_n(x_opt)


def test_allocation_is_vectorised_over_bootstrap_samples():
    al = np.array([0.3, 0.34, 0.4])
    be = np.array([0.3, 0.28, 0.2])
    out = allocation(np.full(3, 400.0), np.full(3, 400.0), al, be, compute=[1e21])
    assert out["a_alloc"].shape == (3,)
    np.testing.assert_allclose(out["a_alloc"], be / (al + be))
    np.testing.assert_allclose(6 * out["N_opt@1e+21"] * out["D_opt@1e+21"], 1e21, rtol=1e-12)


def test_ci_width_with_a_degenerate_bootstrap_does_not_divide_by_zero():
    """All replicates equal: the replicated width is 0, the ratio infinite, and the row is still written."""
    import numpy as np
    from replication.checks.ci_width import ci_width_rows
    from replication.checks.quantity import Quantity
    from replication.metadata.paper import Paper
    paper = Paper.model_validate({
        "key": "x2099", "title": "t", "authors": ["a"], "year": 2099, "status": "replicated",
        "law": {"name": "chinchilla", "statement": "s"},
        "claims": [{"id": "c", "statement": "s", "quantity": "q", "interval": {"low": 0.4, "high": 0.5, "level": 0.8},
                    "source": "nowhere", "provenance": "paper"}]})
    q = Quantity(0.45, np.full(100, 0.45), "parametric bootstrap")
    (row,) = ci_width_rows(paper, {"q": q}, {"q": 10})
    assert row["width_ratio"] == float("inf") and row["interval_kind"] == "parametric bootstrap"
