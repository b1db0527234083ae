"""The paper-level family alternatives (robustness/family_specs.py): the scoring of per-group estimator comparisons,
the broken power law with one more break (laws/nesting.py), and changed protocol settings (the fitted runs)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from replication.audit import Audit
from replication.checks.wins import win_shares
from replication.errors import MetadataError
from replication.laws import get_law
from replication.laws.nesting import nesting_of
from replication.metadata.paper import load_paper
from replication.paths import PAPERS
from replication.robustness.family_specs import fitted_runs_note, nesting_specs, score_specs
from replication.robustness.script_multiverse import add_script_multiverse
from replication.robustness.script_specs import Variant, script_specs

REVISITING = "alabdulmohsin2022revisiting"


def _bnsl(x: np.ndarray, a, b, c0, breaks) -> np.ndarray:
    """The broken power law written out directly: a + b x^-c0 prod (1 + (x / d)^(1 / f))^(-c f)."""
    y = b * x ** (-c0)
    for c, d, f in breaks:
        y = y * (1 + (x / d) ** (1 / f)) ** (-c * f)
    return a + y


def test_the_k_break_laws_are_the_written_formula_and_nest():
    x = np.geomspace(1.0, 1e5, 23)
    one, two = get_law("bnsl_1break"), get_law("bnsl_2break")
    t1 = np.array([np.log(0.3), np.log(2.0), 0.1, 0.8, np.log(50.0), np.log(0.5)])
    t2 = np.r_[t1, -0.4, np.log(3e3), np.log(0.25)]
    assert np.allclose(one.predict(t1, {"x": x}), _bnsl(x, 0.3, 2.0, 0.1, [(0.8, 50.0, 0.5)]), rtol=1e-12)
    assert np.allclose(two.predict(t2, {"x": x}), _bnsl(x, 0.3, 2.0, 0.1, [(0.8, 50.0, 0.5), (-0.4, 3e3, 0.25)]), rtol=1e-12)
    n = nesting_of("bnsl_1break")
    assert n.larger == "bnsl_2break" and nesting_of("bnsl_2break") is None
    assert np.allclose(two.predict(n.embed(t1)[0], {"x": x}), one.predict(t1, {"x": x}), rtol=1e-14)
    starts = n.starts(t1, {"x": x})
    assert starts.shape == (4 * 8 * 3, 9) and np.all(starts[:, 6] != 0)  # the embedded row is the callers' warm start
    assert np.all(starts[:, :6] == t1)  # every start keeps the smaller law's optimum
    _, jac = two.log_jacobian(t2[None, :], {"x": x})
    h = 1e-6
    num = np.stack([(two.log_predict((t2 + h * e)[None, :], {"x": x}) - two.log_predict((t2 - h * e)[None, :], {"x": x}))[0] / (2 * h)
                    for e in np.eye(9)], axis=-1)
    assert np.allclose(jac[0], num, atol=1e-6)


def test_one_more_break_finds_a_planted_second_break_from_the_one_break_optimum(tmp_path):
    """Data with two breaks: the one-break fit cannot follow them; the nested alternative, started from that fit's
    optimum, reaches the planted curve (objective near zero) and is never worse than the one-break fit."""
    x = np.geomspace(1.0, 1e6, 30)
    y = _bnsl(x, 0.05, 3.0, 0.05, [(0.6, 30.0, 0.3), (1.2, 3e4, 0.3)])
    frame = pd.DataFrame({"x": x, "y": y})
    paper = load_paper("caballero2022broken")
    options = dict(inputs={"x": "x"}, target="y", law="bnsl_1break", bootstrap={"n": 0}, extrapolation={}, figures=False)
    main = Audit(paper, tmp_path / "main")
    main.fit(frame, name="main", **options)
    one = main.fitted["main"][1]
    spec = nesting_specs({"bnsl_1break", "power_law_offset"})
    assert [s.name for s in spec] == ["law_bnsl_2break"]
    variant = Variant(spec[0], 0, warm={"main": np.asarray(one.theta)})
    alt = Audit(paper, tmp_path / "alt", variant=variant)
    record = alt.fit(frame, name="main", **options)
    two = alt.fitted["main"][1]
    assert record["law"] == "bnsl_2break" and alt.varied == ["main"]
    assert two.fun <= one.fun and two.fun < 1e-6 < one.fun


def test_scoring_alternatives_and_untruncated_ties():
    names = [s.name for s in score_specs()]
    assert names == ["win_error_rmse_log", "win_error_are", "win_error_max_are", "win_untruncated"]
    v = Variant(next(s for s in score_specs() if s.name == "win_error_are"), 10)
    assert v.score("rmse_log", 3) == ("are", 3, True)
    assert v.score("are", 3) == ("are", 3, False)  # the paper's own error: nothing changes
    errors = pd.DataFrame({"A": [0.1231, 0.2], "B": [0.1234, 0.3]})
    assert win_shares(errors, 3)["A"].tolist() == [0.5, 1.0]  # 0.123 and 0.123 tie at three decimals
    assert win_shares(errors, None)["A"].tolist() == [1.0, 1.0]


def _groups(rmse_log: list[float], are: list[float]) -> pd.DataFrame:
    n = len(are)
    return pd.DataFrame({"Domain": ["d"] * n, "Task": [f"t{i}" for i in range(n)], "Model": ["m"] * n, "n_fit": 5,
                         "n_held_out": 2, "error": "", "converged": True, "rmse_log": rmse_log, "are": are,
                         "max_are": are})


def test_a_planted_fragility_of_the_winner_to_the_error_metric_is_seen(tmp_path):
    """A wins three of four curves by RMSE of log loss and none by relative error: the scoring alternative must
    give B every win."""
    paper = load_paper(REVISITING)
    tables = {"A": _groups([0.1, 0.1, 0.1, 0.5], [0.9, 0.9, 0.9, 0.9]), "B": _groups([0.2, 0.2, 0.2, 0.2], [0.1, 0.1, 0.1, 0.1])}

    def shares(variant):
        audit = Audit(paper, tmp_path / (variant.spec.name if variant else "main"), n_boot=0, variant=variant)
        audit.per_group = {n: (t, ["Domain", "Task", "Model"], "power_law") for n, t in tables.items()}
        audit.wins(["A", "B"], "rmse_log", decimals=3)
        return audit.quantities["A_win_share"].value, audit.quantities["B_win_share"].value, audit.varied

    assert shares(None)[:2] == (0.75, 0.25)
    spec = next(s for s in score_specs() if s.name == "win_error_are")
    assert shares(Variant(spec, 0)) == (0.0, 1.0, ["A", "B"])


def test_scoring_runs_in_a_plain_make_without_refitting_and_refits_wait_for_the_full_study(monkeypatch):
    """With per_group fits, a choice that changes no per_group fit (the scoring) reruns the script with the main
    run's group tables handed over; a criterion or grid that would refit every group waits for make robustness."""
    monkeypatch.delenv("SCALING_AUDIT_SCRIPT_MULTIVERSE", raising=False)
    paper = load_paper(REVISITING)
    table = _groups([0.1], [0.1])
    per_group = {n: (table, ["Domain", "Task", "Model"], f.law) for n, f in ((f.name, f) for f in paper.fits)}
    calls = []

    def rerun(key, variant, n_boot):
        calls.append(variant.spec.name)
        assert set(variant.group_results) == set(per_group)
        return {"error": "recorded", "varied": []}

    out = {"rows": [], "skipped": [], "excluded": [], "fits": [], "robustness": []}
    claims = [{"claim": c.id, "verdict": "reproduced"} for c in paper.claims]
    add_script_multiverse(out, paper, claims, {}, [], {}, per_group, rerun, 1, PAPERS / REVISITING / "paper.yaml", {},
                          None, scored=[("rmse_log", 3)])
    assert sorted(calls) == ["win_error_are", "win_error_max_are", "win_untruncated"]
    skipped = {s["spec"]: s["reason"] for s in out["skipped"]}
    assert "make robustness" in skipped["huber_0.01"] and "make robustness" in skipped["dense_grid"]
    assert skipped["win_error_rmse_log"].startswith("the choice changes none")  # the paper's own error: no rerun


def test_settings_alternatives_name_a_missing_setting_and_over_training_fits_ask_for_them():
    block = {"add": [{"name": "other_runs", "reason": "r", "settings": {"loss_fit_runs": []}}]}
    specs, _ = script_specs(Path("paper.yaml"), block, settings={"loss_fit_runs": [["a", 1.0]]})
    assert specs[-1].settings == {"loss_fit_runs": []} and specs[-1].paper_level
    with pytest.raises(MetadataError, match=r"add\[0\]\.settings\.loss_fit_runs"):
        script_specs(Path("paper.yaml"), block, settings={"runs": []})
    with pytest.raises(MetadataError, match=r"score\.error"):
        script_specs(Path("paper.yaml"), {"add": [{"name": "s", "reason": "r", "score": {"error": "mae"}}]})
    assert "settings:" in fitted_runs_note({"overtraining_loss"}, [])
    assert fitted_runs_note({"overtraining_loss"}, specs) == "" and fitted_runs_note({"chinchilla"}, []) == ""


def test_the_tied_laws_nest_in_their_untied_forms():
    for tied, larger in (("chinchilla_tied", "chinchilla"), ("data_constrained", "data_constrained_untied")):
        n = nesting_of(tied)
        assert n.larger == larger
        small, big = get_law(tied), get_law(larger)
        theta = np.linspace(0.5, 1.5, small.n_params)
        X = {"N": np.geomspace(1e7, 1e10, 9), "D": np.geomspace(1e8, 1e11, 9), "U": np.geomspace(1e8, 1e10, 9)}
        X = {k: X[k] for k in big.inputs}
        assert np.allclose(big.predict(n.embed(theta)[0], X), small.predict(theta, X), rtol=1e-13)
        beta = big.params.index("beta")
        assert sorted(n.starts(theta, X)[:, beta] - theta[small.params.index("alpha")]) == pytest.approx(
            [-0.1, -0.05, 0.05, 0.1])  # beta = alpha itself is the embedded row, the callers' warm start


def test_a_fit_level_planted_fragility_of_a_tie_is_found():
    """Runs with alpha = 0.3 and beta = 0.6 fitted by the tied law (one exponent): a claim alpha = 0.3 is not
    reproduced by the tied fit, and is under the untied alternative, which must be the most influential choice."""
    from replication.checks.claims import evaluate_claims
    from replication.fitting import fit_multistart, make_objective, start_grid
    from replication.metadata.paper import Paper
    from replication.robustness import multiverse as mv
    from replication.uncertainty.bootstrap import bootstrap_fit

    rng = np.random.default_rng(11)
    N, D = (a.ravel() for a in np.meshgrid(np.geomspace(1e7, 1e9, 6), np.geomspace(1e9, 1e11, 6)))
    y = (1.7 + np.exp(6.0) / N**0.3 + np.exp(15.0) / D**0.6) * np.exp(rng.normal(0, 0.002, N.size))
    frame = pd.DataFrame({"N": N, "D": D, "y": y})
    starts = {"a": [4.0, 8.0], "b": [4.0, 8.0, 12.0, 16.0], "e": [0.0, 0.5], "alpha": [0.2, 0.5]}
    objective = {"name": "squared", "space": "log"}
    claim = {"id": "alpha", "statement": "alpha is 0.3", "source": "synthetic", "provenance": "paper", "quantity": "alpha",
             "value": 0.3, "rule": "relative", "tolerance": 0.05, "tolerance_reason": "a synthetic claim"}
    paper = Paper.model_validate({
        "key": "synthetic2024", "title": "Synthetic", "authors": ["Nobody"], "year": 2024, "status": "replicated",
        "law": {"name": "chinchilla_tied", "statement": "one exponent"},
        "protocol": {"as_reported": "least squares on log loss", "objective": objective, "starts": starts,
                     "bootstrap": {"n": 20, "seed": 5}},
        "claims": [claim]})
    law, obj = get_law("chinchilla_tied"), make_objective(objective)
    X = {"N": N, "D": D}
    grid = start_grid(law.params, starts)
    point = fit_multistart(law, obj, X, y, grid)
    boot = bootstrap_fit(law, obj, X, y, point, grid, n_boot=20, seed=5).theta
    qs, _, _ = mv.fit_quantities(law, point.theta, boot, {}, "")
    quantities = {k: mv.Quantity(v, s) for k, (v, s) in qs.items()}
    claims = evaluate_claims(paper, quantities, [])
    recipe = mv.FitRecipe("main", "chinchilla_tied", {"N": "N", "D": "D"}, "y", objective, starts, {"n": 20, "seed": 5},
                          frame, X, y, np.asarray(point.theta))
    out = mv.run_multiverse(paper, {"main": recipe}, quantities, [], claims, protocol_raw={})
    rows = {r["spec"]: r for r in out["rows"]}
    assert rows["main"]["verdict"] == "not reproduced" and rows["main"]["value"] > 0.4
    assert rows["law_chinchilla"]["verdict"] == "reproduced" and abs(rows["law_chinchilla"]["value"] - 0.3) < 0.01
    assert rows["law_chinchilla"]["changed"] == "law: chinchilla with beta = alpha untied"
    (summary,) = out["robustness"]
    assert summary["most_influential_choice"] == "law_chinchilla"
