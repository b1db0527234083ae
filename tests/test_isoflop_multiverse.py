"""The multiverse of IsoFLOP fits (robustness/isoflop_*.py): asymmetric IsoFLOP curves on which the minimum rule
decides a planted claim, weighting of given optima, a power law fitted by the engine through tolerance budgets,
skips with reasons, determinism across worker counts, and the checks of a paper's additions and exclusions."""

import numpy as np
import pandas as pd
import pytest

from replication.checks.claims import evaluate_claims
from replication.checks.quantity import Quantity
from replication.errors import MetadataError
from replication.fitting import fit_multistart, make_objective, start_grid
from replication.laws import get_law
from replication.metadata.paper import Paper
from replication.protocols.isoflop import IsoflopSpec, bootstrap_minima, run_isoflop
from replication.robustness import isoflop_multiverse as imv
from replication.robustness.isoflop_specs import default_isoflop_specs, paper_isoflop_specs, read_isoflop_block
from replication.robustness.multiverse import FitRecipe, fit_quantities
from replication.robustness.specs import read_multiverse

TRUE_A = 0.5
N_BOOT = 20


def _asymmetric(seed: int = 0) -> pd.DataFrame:
    """Seven budgets with N* = 1e-3 C^0.5 exactly; loss = 2 + 0.2 (e^u - 1 - u), u = ln(N / N*), steeper above the
    optimum than below, sampled on windows |u| <= w that widen with the budget, so a quadratic's minimum drifts
    further below N* at larger budgets (its exponent is biased low) while an interpolant's does not."""
    rng = np.random.default_rng(seed)
    rows = []
    for i, c in enumerate(np.logspace(18, 21, 7)):
        u = np.linspace(-(0.6 + 0.35 * i), 0.6 + 0.35 * i, 15)
        loss = 2 + 0.2 * (np.exp(u) - 1 - u) + rng.normal(0, 1e-4, u.size)
        rows += [{"C": c, "N": 1e-3 * c**TRUE_A * np.exp(v), "loss": l} for v, l in zip(u, loss)]
    return pd.DataFrame(rows)


def _given(outlier: float = 3.0) -> pd.DataFrame:
    """Given optima N* = 1e-3 C^0.5 at six budgets, the largest one `outlier` times too large with a wide spread."""
    c = np.logspace(18, 20.5, 6)
    n = 1e-3 * c**TRUE_A
    n[-1] *= outlier
    sd = np.full(c.size, 0.01)
    sd[-1] = 2.0
    return pd.DataFrame({"C": c, "N": n, "sd": sd})


def _paper(claims: list[dict], multiverse: dict | None = None) -> Paper:
    protocol = {"as_reported": "synthetic IsoFLOP analysis", "bootstrap": {"n": N_BOOT, "seed": 3}}
    if multiverse is not None:
        protocol["multiverse"] = multiverse
    return Paper.model_validate({"key": "synthetic2024", "title": "Synthetic", "authors": ["Nobody"], "year": 2024,
                                 "status": "replicated", "law": {"name": "power_law", "statement": "N* = k C^a"},
                                 "protocol": protocol, "claims": claims})


def _claim(cid: str, quantity: str, tolerance: float = 0.02) -> dict:
    return {"id": cid, "statement": f"a = {TRUE_A}", "source": "synthetic", "provenance": "paper", "quantity": quantity,
            "value": TRUE_A, "rule": "relative", "tolerance": tolerance, "tolerance_reason": "a synthetic claim"}


def _record(b: int = N_BOOT) -> dict:
    return {"b": b, "rule": "law rule", "fits": [], "skipped": [], "excluded": [], "rows": [], "robustness": []}


def _main(paper: Paper, runs: list, recipes: dict | None = None, quantities: dict | None = None):
    """The main fits' quantities (as Audit.isoflop names them) and claim rows."""
    qs = dict(quantities or {})
    for run in runs:
        if run.spec.through:
            continue
        res = run_isoflop(run.frame, run.spec, n_boot=run.bootstrap["n"], seed=run.bootstrap["seed"],
                          unit=run.bootstrap.get("unit", "none"))
        prefix = "" if run.fit == "main" else f"{run.fit}."
        for k, (v, s) in res.quantities(run.budgets, run.names).items():
            qs[f"{prefix}{k}{run.suffix}"] = Quantity(v, s, res.description)
    return qs, evaluate_claims(paper, qs, [])


def _run_curves(n_jobs: int = 1, multiverse: dict | None = None) -> dict:
    paper = _paper([_claim("a", "a_alloc")], multiverse)
    spec = IsoflopSpec("C", "N", "loss", minimum="quadratic")
    runs = [imv.IsoflopRun("main", None, "", _asymmetric(), spec,
                           {"n": N_BOOT, "seed": 3, "unit": "points within budgets"}, (), {})]
    qs, claims = _main(paper, runs)
    return imv.add_isoflop_multiverse(_record(), paper, runs, {}, qs, [], claims, n_jobs=n_jobs,
                                      protocol_raw=paper.protocol.model_dump())


@pytest.fixture(scope="module")
def curves():
    return _run_curves()


def test_minimum_rule_flips_the_planted_claim_and_is_most_influential(curves):
    """The quadratic's exponent is biased low (not reproduced); Akima's is near 0.5 (reproduced) and is the choice."""
    by_spec = {r["spec"]: r for r in curves["rows"]}
    assert by_spec["main"]["verdict"] == "not reproduced" and by_spec["main"]["value"] < TRUE_A - 0.05
    akima = by_spec["minimum_akima"]
    assert akima["verdict"] == "reproduced" and abs(akima["value"] - TRUE_A) < 0.01
    assert akima["ci_low"] < akima["value"] < akima["ci_high"]  # the within-budget bootstrap ran for the Akima rule
    (rob,) = curves["robustness"]
    assert rob["most_influential_choice"] == "minimum_akima" and rob["share_same_verdict"] < 1.0
    assert rob["n_specs"] == len(by_spec) - 1 == 3
    assert by_spec["without_largest_budget"]["selection"] == "dropped the budget 1e+21"


def test_skips_carry_reasons(curves):
    """No spread to weight by, no tolerance to vary: both skipped with the reason."""
    reasons = {s["spec"]: s["reason"] for s in curves["skipped"]}
    assert "no stated spread" in reasons["weighting"]
    assert "exact values" in reasons["tolerance"]
    (fit,) = curves["fits"]
    assert fit["approach"] == "isoflop" and fit["n_boot"] == N_BOOT and fit["claims"] == ["a"]
    assert "IsoFLOP" in curves["rule"]


def test_identical_for_one_and_two_workers(curves):
    two = _run_curves(n_jobs=2)
    assert pd.DataFrame(two["rows"]).equals(pd.DataFrame(curves["rows"]))
    assert two["robustness"] == curves["robustness"]


def test_akima_bootstrap_is_seeded_and_locates_the_optimum():
    """On the noise-free asymmetric curves every replicate has an Akima minimum, and the exponents centre on 0.5."""
    frame = _asymmetric().assign(loss=lambda f: 2 + 0.2 * (f["N"] / (1e-3 * f["C"] ** TRUE_A) - 1
                                                         - np.log(f["N"] / (1e-3 * f["C"] ** TRUE_A))))
    spec = IsoflopSpec("C", "N", "loss", minimum="akima")
    budgets = np.sort(frame["C"].unique())
    a = bootstrap_minima(frame, spec, n_boot=30, seed=5, budgets=budgets)
    b = bootstrap_minima(frame, spec, n_boot=30, seed=5, budgets=budgets)
    assert np.array_equal(a.x_opt, b.x_opt, equal_nan=True)
    assert np.isfinite(a.x_opt).all() and a.n_dropped == 0
    assert abs(np.median(a.exponent) - TRUE_A) < 0.005 and np.all(np.abs(a.exponent - TRUE_A) < 0.03)
    assert "located again by the fit's rule" in a.description


def _given_runs(weighted: bool = True):
    spec = IsoflopSpec("C", "N", minimum="given", sd="sd", weighted=weighted)
    return [imv.IsoflopRun("main", None, "", _given(), spec, {"n": N_BOOT, "seed": 3, "unit": "noise on the optima"},
                           (), {})]


def test_weighting_of_given_optima():
    """Weighted, the wide outlier barely counts (a = 0.5, reproduced); unweighted, a is the plain OLS slope."""
    paper = _paper([_claim("a", "a_alloc")])
    runs = _given_runs()
    qs, claims = _main(paper, runs)
    out = imv.add_isoflop_multiverse(_record(), paper, runs, {}, qs, [], claims)
    by_spec = {r["spec"]: r for r in out["rows"]}
    assert by_spec["main"]["verdict"] == "reproduced" and abs(by_spec["main"]["value"] - TRUE_A) < 1e-3
    g = _given()
    ols = np.polyfit(np.log(g["C"]), np.log(g["N"]), 1)[0]
    assert by_spec["unweighted"]["value"] == pytest.approx(ols, rel=1e-9) and ols > TRUE_A + 0.05
    assert by_spec["unweighted"]["verdict"] == "not reproduced"
    # the unweighted refits of the noise bootstrap spread more than the weighted ones, which the wide point cannot move
    w = by_spec["main"]["ci_high"] - by_spec["main"]["ci_low"]
    assert by_spec["unweighted"]["ci_high"] - by_spec["unweighted"]["ci_low"] > 5 * w
    reasons = {s["spec"]: s["reason"] for s in out["skipped"]}
    assert "optima are given" in reasons["minimum_rule"]


def test_raw_points_addition_uses_the_other_fits_runs_and_rule():
    """A `runs` addition replaces given optima by those the named fit locates from its raw runs."""
    raw = _asymmetric().assign(sd=0.05)
    paper = _paper([_claim("a", "a_alloc")], {"isoflop": {"add": [
        {"name": "raw", "fit": "main", "runs": "raw_akima", "reason": "the optima from the raw points"}]}})
    given = run_isoflop(raw, IsoflopSpec("C", "N", "loss", minimum="quadratic")).minima
    frame = pd.DataFrame({"C": given["budget"], "N": given["x_opt"], "sd": 0.05})
    runs = [imv.IsoflopRun("main", None, "", frame, IsoflopSpec("C", "N", minimum="given", sd="sd", weighted=True),
                           {"n": N_BOOT, "seed": 3, "unit": "noise on the optima"}, (), {}),
            imv.IsoflopRun("raw_akima", None, "", raw, IsoflopSpec("C", "N", "loss", minimum="akima", sd="sd", weighted=True),
                           {"n": 0, "seed": 3}, (), {})]
    qs, claims = _main(paper, runs)
    out = imv.add_isoflop_multiverse(_record(), paper, runs, {}, qs, [], claims,
                                     protocol_raw=paper.protocol.model_dump())
    by_spec = {r["spec"]: r for r in out["rows"]}
    assert by_spec["main"]["verdict"] == "not reproduced"  # the given optima are the biased quadratic ones
    assert by_spec["raw"]["verdict"] == "reproduced" and by_spec["raw"]["origin"] == "paper"
    assert [f["fit"] for f in out["fits"]] == ["main"]  # raw_akima carries no claim


def _tolerance_setup():
    """Runs scattered within +-15% of five budgets (each a symmetric curve about N* = 1e-3 C^0.5), the power law
    through the Akima minima fitted by the engine (compute_optimal), as Li et al.'s analysis."""
    rng = np.random.default_rng(2)
    budgets = tuple(float(b) for b in np.logspace(18, 20, 5))
    rows = []
    for c in budgets:
        for u in np.linspace(-1.2, 1.2, 9):
            cc = c * np.exp(rng.uniform(-0.14, 0.14))
            rows.append({"C": cc, "N": 1e-3 * c**TRUE_A * np.exp(u), "loss": 2 + 0.1 * u**2 + 0.05 * np.log(cc / c)})
    frame = pd.DataFrame(rows)
    through = {"law": "compute_optimal", "objective": {"name": "squared"},
               "starts": {"log_k": {"start": -20, "stop": 0, "step": 2}, "a": {"start": 0.2, "stop": 1.0, "step": 0.2}}}
    spec = IsoflopSpec("C", "N", "loss", minimum="akima", budgets=budgets, tolerance=0.1, through=through)
    used = run_isoflop(frame, IsoflopSpec("C", "N", "loss", minimum="akima", budgets=budgets, tolerance=0.1)).used
    law = get_law("compute_optimal")
    X, y = {"C": used["budget"].to_numpy()}, used["N_star"].to_numpy()
    point = fit_multistart(law, make_objective(through["objective"]), X, y, start_grid(law.params, through["starts"]))
    recipe = FitRecipe("iso", law.name, {"C": "budget"}, "N_star", through["objective"], through["starts"], {"n": 0},
                       used, X, y, np.asarray(point.theta))
    qs = {k: Quantity(v, s) for k, (v, s) in fit_quantities(law, point.theta, None, {}, "iso.")[0].items()}
    return frame, spec, recipe, qs


def test_engine_power_law_through_tolerance_budgets():
    """Tolerance 5% and 20% are declared (10% is the fit's own); the narrow one keeps fewer runs per budget; the
    engine refit of the main choice gives the main exponent."""
    frame, spec, recipe, qs = _tolerance_setup()
    paper = _paper([_claim("a", "iso.a", tolerance=0.05)])
    runs = [imv.IsoflopRun("iso", None, "", frame, spec, {"n": 0}, (), {})]
    claims = evaluate_claims(paper, qs, [])
    out = imv.add_isoflop_multiverse(_record(), paper, runs, {"iso": recipe}, qs, [], claims)
    (fit,) = out["fits"]
    assert fit["n_boot"] == 0 and "tolerance_0.05" in fit["specs"] and "tolerance_0.2" in fit["specs"]
    assert "tolerance_0.1" not in fit["specs"] and "minimum_parabola" in fit["specs"]
    by_spec = {r["spec"]: r for r in out["rows"]}
    assert by_spec["main"]["value"] == pytest.approx(TRUE_A, abs=0.02)
    assert by_spec["tolerance_0.2"]["value"] == pytest.approx(TRUE_A, abs=0.03)
    assert "the power law goes through the minima as a law fit" in {s["spec"]: s["reason"] for s in out["skipped"]}["weighting"]


def test_default_set_follows_the_spec():
    """Which alternatives a spec gets, and which it cannot have."""
    def names(spec: IsoflopSpec) -> list[str]:
        return [s.name for s in default_isoflop_specs(spec)[0]]

    assert names(IsoflopSpec("C", "N", "loss", minimum="akima")) == ["minimum_quadratic", "without_smallest_budget",
                                                                      "without_largest_budget"]
    assert names(IsoflopSpec("C", "N", "loss", minimum="parabola", budgets=(1.0, 2.0, 4.0), tolerance=0.2))[:2] == [
        "minimum_akima", "tolerance_0.05"]
    assert names(IsoflopSpec("C", "N", minimum="given", sd="sd"))[0] == "weighted"


def test_too_few_budgets_are_skipped_with_the_reason():
    frame = _asymmetric()
    frame = frame[frame["C"] <= frame["C"].unique()[2]]
    paper = _paper([_claim("a", "a_alloc", tolerance=1.0)])
    runs = [imv.IsoflopRun("main", None, "", frame, IsoflopSpec("C", "N", "loss"),
                           {"n": N_BOOT, "seed": 3, "unit": "points within budgets"}, (), {})]
    qs, claims = _main(paper, runs)
    out = imv.add_isoflop_multiverse(_record(), paper, runs, {}, qs, [], claims)
    reasons = {s["spec"]: s["reason"] for s in out["skipped"]}
    assert "fewer than 3 remain" in reasons["without_smallest_budget"]
    assert "fewer than 3 remain" in reasons["without_largest_budget"]


def test_zero_b_adds_nothing():
    paper = _paper([_claim("a", "a_alloc")])
    runs = _given_runs()
    record = dict(_record(0), note="multiverse skipped")
    assert imv.add_isoflop_multiverse(record, paper, runs, {}, {}, [], [])["rows"] == []


@pytest.mark.parametrize("block, field, fix", [
    ({"add": [{"name": "x", "reason": "r", "runs": "raw", "isoflop": {"minimum": "akima"}}]}, "add[0]", "exactly one"),
    ({"add": [{"name": "x", "reason": "r", "colour": 1}]}, "add[0].colour", "use"),
    ({"add": [{"name": "x", "reason": "r", "isoflop": {"flavour": 1}}]}, "add[0].isoflop.flavour", "vary one of"),
    ({"add": [{"name": "x", "reason": "r", "runs": "nowhere"}]}, "add[0].runs", "name a declared IsoFLOP fit"),
    ({"add": [{"name": "x", "reason": "r", "budgets": {"min": "big"}}]}, "add[0].budgets", "write numbers"),
    ({"add": [{"name": "unweighted", "reason": "r", "budgets": {"min": 1.0}}]}, "add[0].name", "new name"),
    ({"add": [{"name": "x", "reason": " "}]}, "add[0].reason", "one-line reason"),
    ({"exclude": [{"name": "no_such_spec", "reason": "r"}]}, "exclude[0].name", "use one of"),
    ({"exclude": [{"name": "unweighted", "reason": "r", "fit": "other"}]}, "exclude[0].fit", "use one of"),
    ({"exclude": [{"name": "unweighted", "reason": "r", "budgets": {}}]}, "exclude[0].budgets", "an exclusion takes"),
    ({"include": []}, "include", "use add or exclude"),
])
def test_bad_paper_entries_name_the_field(tmp_path, block, field, fix):
    path = tmp_path / "paper.yaml"
    runs = _given_runs()
    with pytest.raises(MetadataError) as err:
        parsed = read_isoflop_block(path, {"multiverse": {"isoflop": block}})
        defaults, _ = default_isoflop_specs(runs[0].spec)
        paper_isoflop_specs(path, parsed, "main", defaults, ["main", "raw"], {s.name for s in defaults})
    assert err.value.field == f"protocol.multiverse.isoflop.{field}" and fix in err.value.fix
    assert err.value.file.endswith("paper.yaml")


def test_invalid_isoflop_field_for_the_fit_is_a_metadata_error(tmp_path):
    """{minimum: akima} on given optima without a loss column makes no valid spec: the field is named."""
    paper = _paper([_claim("a", "a_alloc")], {"isoflop": {"add": [
        {"name": "located", "reason": "r", "isoflop": {"minimum": "akima"}}]}})
    runs = _given_runs()
    qs, claims = _main(paper, runs)
    with pytest.raises(MetadataError) as err:
        imv.add_isoflop_multiverse(_record(), paper, runs, {}, qs, [], claims, path=tmp_path / "paper.yaml",
                                   protocol_raw=paper.protocol.model_dump())
    assert err.value.field == "protocol.multiverse.isoflop.add[0].isoflop" and "loss" in err.value.fix


def test_exclusion_is_reported_and_the_law_block_accepts_the_isoflop_key(tmp_path):
    block = {"isoflop": {"exclude": [{"name": "without_smallest_budget", "reason": "the smallest budget is the point"}]}}
    assert read_multiverse(tmp_path / "paper.yaml", {"multiverse": block}) == block
    paper = _paper([_claim("a", "a_alloc")], block)
    runs = _given_runs()
    qs, claims = _main(paper, runs)
    out = imv.add_isoflop_multiverse(_record(), paper, runs, {}, qs, [], claims, protocol_raw=paper.protocol.model_dump())
    assert out["excluded"] == [{"spec": "without_smallest_budget", "reason": "the smallest budget is the point", "fit": "main"}]
    assert "without_smallest_budget" not in {r["spec"] for r in out["rows"]}


def test_consistency_claim_under_the_isoflop_alternatives():
    """A consistency claim (Approach 2 on the law fit's resamples): each alternative's exponent is Approach 2 on the
    same runs with that choice, its replicates those of the first B resamples (paired with the law fit's), and the
    planted asymmetry makes the minimum rule move the exponent, as in the IsoFLOP fit's own multiverse."""
    from replication.checks.approaches import isoflop_exponent, resampled_exponents
    from replication.robustness.consistency_multiverse import ConsistencyRun, add_consistency_multiverse

    frame = _asymmetric()
    spec = IsoflopSpec("C", "N", "loss", minimum="quadratic")
    name, n_main, b = "consistency.iso_vs_main", 60, 20
    law_samples = np.random.default_rng(5).normal(TRUE_A, 0.01, n_main)
    a2, samples = isoflop_exponent(frame, spec), resampled_exponents(frame, spec, n_main, 3, None)
    qs = {f"{name}.a": Quantity(a2, samples), f"{name}.difference": Quantity(a2 - TRUE_A, samples - law_samples)}
    paper = _paper([_claim("a2", f"{name}.a")])
    claims = evaluate_claims(paper, qs, [])
    run = ConsistencyRun(name, "iso", "main", frame, spec, 3, None, TRUE_A, law_samples)
    out = add_consistency_multiverse(_record(b), paper, [run], qs, [], claims, None, {})
    rows = {r["spec"]: r for r in out["rows"] if r["fit"] == "iso (consistency)"}
    assert "main" in rows and "minimum_akima" in rows
    akima = IsoflopSpec("C", "N", "loss", minimum="akima")
    assert rows["minimum_akima"]["value"] == pytest.approx(isoflop_exponent(frame, akima), rel=1e-12)
    from replication.uncertainty.intervals import percentile_interval
    lo, hi = percentile_interval(resampled_exponents(frame, akima, b, 3, None), 0.95)
    assert (rows["minimum_akima"]["ci_low"], rows["minimum_akima"]["ci_high"]) == (lo, hi)
    assert abs(rows["minimum_akima"]["value"] - TRUE_A) < abs(a2 - TRUE_A)  # the interpolant removes the bias
    np.testing.assert_array_equal(resampled_exponents(frame, akima, b, 3, None),
                                  resampled_exponents(frame, akima, n_main, 3, None)[:b])  # the pairing holds
    assert out["robustness"] and out["robustness"][0]["n_specs"] == len(rows) - 1 - ("main_at_b" in rows)
