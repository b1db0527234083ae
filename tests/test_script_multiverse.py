"""The paper-level multiverse: the replication script rerun under one choice changed in every declared fit, for the
claims no fit-level specification reaches (robustness/script_multiverse.py, script_specs.py)."""

from __future__ import annotations

import json
from types import SimpleNamespace

from pathlib import Path

import numpy as np
import pytest

from replication.audit import run_paper
from replication.fitting import make_objective
from replication.laws import get_law
from replication.metadata.paper import load_paper
from replication.paths import PAPERS
from replication.robustness.script_multiverse import SCRIPT_FIT, add_script_multiverse
from replication.errors import MetadataError
from replication.robustness.script_specs import DENSE_GRID, Variant, script_specs
from replication.robustness.specs import read_multiverse

KEY = "yao2023research"  # a x^b + c on 7 points: four claims on predictions the script computes


def _spec(name: str):
    return next(s for s in script_specs(Path("paper.yaml"), {})[0] if s.name == name)


def test_a_criterion_takes_each_fits_own_huber_form_and_leaves_a_fit_already_on_it():
    v = Variant(_spec("huber_0.01"), 10)
    assert v.objective({"name": "huber_likelihood", "delta": 1e-3}) == {"name": "huber_likelihood", "delta": 0.01}
    assert make_objective(v.objective({"name": "squared", "space": "log"})) == make_objective({"name": "huber", "delta": 0.01})
    assert v.objective({"name": "huber", "delta": 0.01}) is None
    assert Variant(_spec("least_squares_loss"), 10).objective({"name": "squared", "space": "linear"}) is None


def test_the_dense_grid_leaves_a_fit_with_no_axis_to_refine():
    v = Variant(DENSE_GRID, 10)
    assert v.axes(("a", "b"), {"a": [1.0], "b": [2.0]}) is None
    assert len(v.axes(("a", "b"), {"a": [1.0, 2.0], "b": [2.0]})["a"]) == 3


def test_the_papers_exclusions_and_additions():
    block = {"exclude": [{"name": "huber_0.1", "reason": "r"}],
             "add": [{"name": "huber_0.3", "reason": "r", "objective": {"name": "huber", "delta": 0.3}},
                     {"name": "without_first", "reason": "r", "points": {"column": "N", "min": 1.0}}]}
    specs, excluded = script_specs(Path("paper.yaml"), block)
    names = [s.name for s in specs]
    assert "huber_0.1" not in names and "huber_0.3" in names and "without_first" not in names
    assert excluded == [{"spec": "huber_0.1", "reason": "r"}]


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    return [run_paper(KEY, build=tmp_path_factory.mktemp(f"build{j}"), n_boot=0, n_jobs=j) for j in (1, 2)]


def test_every_testable_claim_is_rejudged_and_the_rows_do_not_depend_on_workers(results):
    one, two = results
    assert one["status"] == "ok", one.get("error")
    sens = one["sensitivity"]
    testable = {c["claim"] for c in one["claims"] if c["verdict"] != "not testable"}
    assert testable and testable <= {r["claim"] for r in sens["rows"]}
    script = [r for r in sens["rows"] if r["fit"] == SCRIPT_FIT]
    specs = {r["spec"] for r in script}
    assert "main" in specs and "huber_0.001" in specs and "dense_grid" in specs
    assert all(r["fits_changed"] for r in script if r["spec"] != "main")
    entry = next(f for f in sens["fits"] if f["fit"] == SCRIPT_FIT)
    assert set(entry["claims"]) == {r["claim"] for r in script}
    assert {r["claim"] for r in sens["robustness"]} >= set(entry["claims"])
    same = [r for r in two["sensitivity"]["rows"] if r["fit"] == SCRIPT_FIT]
    assert json.dumps(script, sort_keys=True) == json.dumps(same, sort_keys=True)  # NaN intervals compare as text


def _record():
    return {"rows": [], "skipped": [], "excluded": [], "fits": [], "robustness": []}


def _claims(paper):
    return [{"claim": c.id, "verdict": "reproduced", "quantity": c.quantity, "replicated": 1.0, "ci_low": None,
             "ci_high": None, "claimed": 1.0} for c in paper.claims]


def _failing(key, variant, n_boot):
    return {"error": f"papers/{key}/replicate.py: the data cannot take {variant.spec.name}", "varied": []}


def _recipe(objective: dict, values: list[float]) -> SimpleNamespace:
    """A main-run fit as add_script_multiverse reads it: its law, criterion, start axes and optimum."""
    params = get_law("power_law_offset").params
    return SimpleNamespace(law="power_law_offset", objective=objective, starts={p: list(values) for p in params},
                           theta=np.zeros(len(params)), held_theta=None, screened=None)


def test_a_choice_the_data_cannot_take_is_skipped_with_its_reason_and_the_others_run():
    paper = load_paper(KEY)
    out = _record()
    recipes = {"main": _recipe({"name": "huber", "delta": 0.5}, [0.0, 1.0])}  # every specification changes it
    add_script_multiverse(out, paper, _claims(paper), {}, [], recipes, {}, _failing, 1, PAPERS / KEY / "paper.yaml", {}, None)
    assert out["rows"] == [] and len(out["skipped"]) == len(script_specs(Path("x"), {})[0])
    assert all("cannot take" in s["reason"] for s in out["skipped"])


def test_a_choice_that_changes_no_fit_is_skipped_without_a_rerun():
    paper = load_paper(KEY)
    out = _record()
    calls = []

    def rerun(key, variant, n_boot):
        calls.append(variant.spec.name)
        return _failing(key, variant, n_boot)

    # least squares on the loss is the fit's own criterion, and its one-value axes leave the dense grid nothing to refine
    recipes = {"main": _recipe({"name": "squared", "space": "linear"}, [1.0])}
    add_script_multiverse(out, paper, _claims(paper), {}, [], recipes, {}, rerun, 1, PAPERS / KEY / "paper.yaml", {}, None)
    skipped = {s["spec"]: s["reason"] for s in out["skipped"]}
    assert "least_squares_loss" not in calls and "dense_grid" not in calls and "huber_0.01" in calls
    assert skipped["least_squares_loss"].startswith("the choice changes none")
    assert skipped["dense_grid"].startswith("the choice changes none")


def test_a_paper_may_defer_the_rerun_to_the_full_study_with_a_reason(monkeypatch):
    paper = load_paper(KEY)
    out = _record()
    monkeypatch.delenv("SCALING_AUDIT_SCRIPT_MULTIVERSE", raising=False)
    block = {"script": {"when": "robustness", "reason": "too long"}}
    add_script_multiverse(out, paper, _claims(paper), {}, [], {}, {}, _failing, 1, PAPERS / KEY / "paper.yaml", block, None)
    assert out["skipped"] and all(s["reason"].endswith("too long") for s in out["skipped"])


def test_a_malformed_deferral_names_the_field():
    with pytest.raises(MetadataError, match="protocol.multiverse.script"):
        read_multiverse(Path("paper.yaml"), {"multiverse": {"script": {"when": "later"}}})
