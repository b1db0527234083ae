"""The multiverse (robustness/): a planted fragility found, determinism across worker counts, exact table columns,
and the checks of a paper's declared additions and exclusions."""

import numpy as np
import pandas as pd
import pytest

from replication.checks.claims import evaluate_claims
from replication.errors import MetadataError
from replication.fitting import fit_multistart, make_objective, start_grid
from replication.laws import get_law
from replication.metadata.paper import Paper
from replication.robustness import multiverse as mv
from replication.robustness.specs import default_specs, paper_specs, read_multiverse
from replication.uncertainty.bootstrap import bootstrap_fit
from replication.uncertainty.point_errors import PointErrors

LAW = get_law("power_law")
STARTS = {"a": [0.0, 2.0], "alpha": [0.1, 0.5, 1.0]}
OBJECTIVE = {"name": "squared", "space": "log"}
TRUE_ALPHA = 0.30


def _data():
    """y = 5 x^-0.3 with small noise at 8 sizes, except the smallest size, whose runs sit 40% below the law."""
    rng = np.random.default_rng(7)
    x = np.repeat(np.logspace(0, 3.5, 8), 6)
    y = 5.0 * x ** -TRUE_ALPHA * np.exp(rng.normal(0, 0.01, x.size))
    y[x == x.min()] *= 0.6
    return pd.DataFrame({"x": x, "y": y})


CLAIM = {"id": "alpha", "statement": "the exponent is 0.30", "source": "synthetic", "provenance": "paper",
         "quantity": "alpha", "value": TRUE_ALPHA, "rule": "relative", "tolerance": 0.03,
         "tolerance_reason": "a synthetic claim"}


def _paper(claim: dict = CLAIM, n_boot: int = 20):
    return Paper.model_validate({
        "key": "synthetic2024", "title": "Synthetic", "authors": ["Nobody"], "year": 2024, "status": "replicated",
        "law": {"name": "power_law", "statement": "y = A x^-alpha"},
        "protocol": {"as_reported": "least squares on log y", "objective": OBJECTIVE, "starts": STARTS,
                     "bootstrap": {"n": n_boot, "seed": 3}},
        "claims": [claim],
    })


def _run(n_jobs=1, monkeypatch=None, errors: float = 0.0):
    """The multiverse of the synthetic fit; with ``errors`` > 0 its points carry digitisation errors of that relative
    size (x and y), and its bootstrap redone with them is the recipe's perturbed replicates."""
    paper, frame = _paper(), _data()
    X, y = {"x": frame["x"].to_numpy()}, frame["y"].to_numpy()
    obj = make_objective(OBJECTIVE)
    grid = start_grid(LAW.params, STARTS)
    point = fit_multistart(LAW, obj, X, y, grid)
    columns, plain, perturbed = (), None, None
    if errors:  # the main interval from the plain bootstrap, the specification's from the same resamples with errors
        columns = ("x_err", "y_err")
        plain = bootstrap_fit(LAW, obj, X, y, point, grid, n_boot=20, seed=3).theta
        perturbed = bootstrap_fit(LAW, obj, X, y, point, grid, n_boot=20, seed=3,
                                  errors=PointErrors({"x": errors * X["x"]}, errors * y)).theta
    qs, _, _ = mv.fit_quantities(LAW, point.theta, plain, {}, "")
    quantities = {k: mv.Quantity(v, s) for k, (v, s) in qs.items()}
    claims = evaluate_claims(paper, quantities, [])
    recipe = mv.FitRecipe("main", "power_law", {"x": "x"}, "y", OBJECTIVE, STARTS, {"n": 20, "seed": 3}, frame, X, y,
                          np.asarray(point.theta), errors=columns, perturbed=perturbed)
    return mv.run_multiverse(paper, {"main": recipe}, quantities, [], claims, n_jobs=n_jobs, protocol_raw={})


@pytest.fixture(scope="module")
def result():
    return _run()


def test_planted_fragility_is_the_most_influential_choice(result):
    """Main fit: alpha pulled away by the smallest runs (not reproduced); without them it is reproduced."""
    (row,) = result["robustness"]
    assert row["verdict_main"] == "not reproduced"
    by_spec = {r["spec"]: r for r in result["rows"]}
    assert by_spec["without_smallest_x"]["verdict"] == "reproduced"
    assert abs(by_spec["without_smallest_x"]["value"] - TRUE_ALPHA) < 0.01
    assert row["most_influential_choice"] == "without_smallest_x"
    assert row["share_same_verdict"] < 1.0
    assert row["n_specs"] == len(by_spec) - 1
    assert row["range_low"] <= by_spec["main"]["value"] <= row["range_high"]


def test_identical_for_one_and_two_workers(result):
    two = _run(n_jobs=2)
    assert pd.DataFrame(two["rows"]).equals(pd.DataFrame(result["rows"]))
    assert two["robustness"] == result["robustness"]


def test_exact_columns(result, tmp_path):
    from replication.report.robustness_section import TABLES

    assert TABLES["sensitivity"][1] == ["paper", "fit", "spec", "changed", "quantity", "value", "ci_low", "ci_high", "verdict"]
    assert TABLES["robustness"][1] == ["paper", "claim", "verdict_main", "verdict_reference", "n_specs", "share_same_verdict",
                                       "most_influential_choice", "range_low", "range_high"]
    assert set(TABLES["sensitivity"][1]) <= set(result["rows"][0])
    assert set(TABLES["robustness"][1]) <= set(result["robustness"][0])


def _interval_paper(value: float) -> Paper:
    """The synthetic paper with an interval claim on alpha (three printed decimals) and 4,000 resamples."""
    return _paper({"id": "alpha", "statement": "the exponent", "source": "synthetic", "provenance": "paper",
                   "quantity": "alpha", "value": value, "decimals": 3, "rule": "interval"}, n_boot=4000)


def test_the_reference_row_is_the_main_protocol_on_its_first_b_replicates():
    """A claim just inside the full bootstrap's interval: decided on 4,000 replicates, its reference row is judged on
    the first 50 of them (their percentile interval), and an alternative is compared with that row."""
    from replication.robustness.main_rows import REFERENCE_SPEC, main_rows
    from replication.uncertainty.intervals import percentile_interval

    samples = np.random.default_rng(1).normal(0.5, 0.02, 4000)
    quantities = {"alpha": mv.Quantity(0.5, samples)}
    lo, _ = percentile_interval(samples, 0.95)
    paper = _interval_paper(round(lo + 0.002, 3))
    judged = {r["claim"]: r for r in evaluate_claims(paper, quantities, [])}
    assert judged["alpha"]["verdict"] == "reproduced"
    rows = main_rows(paper, "main", ["alpha"], judged, quantities, [], 50)
    assert [r["spec"] for r in rows] == ["main", REFERENCE_SPEC]
    ref = rows[1]
    assert (ref["ci_low"], ref["ci_high"]) == percentile_interval(samples[:50], 0.95)
    assert ref["verdict"] == "borderline"  # 50 replicates cannot place an interval end this close to the claim
    assert main_rows(paper, "main", ["alpha"], judged, quantities, [], 4000) == rows[:1]  # nothing to cut: main only


def test_an_alternative_is_compared_with_the_reference_at_its_count():
    """robustness_rows: an alternative keeps the verdict when it gives the main verdict or the reference's at its own
    count; one that keeps every replicate (compared_with main) must give the main verdict."""
    def row(spec, verdict, value, **kw):
        return dict({"paper": "p", "claim": "c", "fit": "main", "spec": spec, "verdict": verdict, "value": value}, **kw)

    rows = [row("main", "reproduced", 0.50), row("main_at_b", "borderline", 0.50),
            row("huber_0.1", "borderline", 0.51, compared_with="main_at_b"),
            row("least_squares_log", "not reproduced", 0.60, compared_with="main_at_b")]
    (summary,) = mv.robustness_rows(rows)
    assert summary["verdict_main"] == "reproduced" and summary["verdict_reference"] == "borderline"
    assert summary["n_specs"] == 2 and summary["share_same_verdict"] == 0.5
    assert summary["most_influential_choice"] == "least_squares_log"
    rows.append(row("digitisation_error", "borderline", 0.50, compared_with="main"))
    (summary,) = mv.robustness_rows(rows)
    assert summary["n_specs"] == 3 and summary["share_same_verdict"] == pytest.approx(1 / 3)
    rows.append(row("dense_grid", "reproduced", 0.50, compared_with="main_at_b"))  # the main verdict itself
    (summary,) = mv.robustness_rows(rows)
    assert summary["n_specs"] == 4 and summary["share_same_verdict"] == pytest.approx(2 / 4)


def test_unsupported_specifications_are_skipped_with_a_reason(result):
    reasons = {s["spec"]: s["reason"] for s in result["skipped"]}
    assert "no_exclusion" in reasons and reasons["no_exclusion"]


def test_digitisation_error_is_skipped_for_a_fit_without_errors(result):
    reasons = {s["spec"]: s["reason"] for s in result["skipped"]}
    assert "no digitisation errors" in reasons["digitisation_error"]
    assert "digitisation_error" not in {r["spec"] for r in result["rows"]}


def test_digitisation_error_runs_for_a_fit_with_errors():
    """The main optimum with the interval of its own bootstrap redone within the errors: wider than without them."""
    out = _run(errors=0.05)
    assert "digitisation_error" in out["fits"][0]["specs"]
    assert "digitisation_error" not in {s["spec"] for s in out["skipped"]}
    by_spec = {r["spec"]: r for r in out["rows"]}
    row, main = by_spec["digitisation_error"], by_spec["main"]
    assert row["changed"] == "data: points perturbed within their digitisation error, with the point bootstrap"
    assert row["value"] == main["value"] and row["seed"] == 3 and "x_err, y_err" in row["selection"]
    assert row["ci_high"] - row["ci_low"] > main["ci_high"] - main["ci_low"]
    assert {r["claim"] for r in out["robustness"]} == {"alpha"}


def test_zero_b_skips(monkeypatch):
    monkeypatch.setenv(mv.MULTIVERSE_B_ENV, "0")
    assert _run()["rows"] == []
    monkeypatch.setenv(mv.MULTIVERSE_B_ENV, "many")
    with pytest.raises(Exception, match="SCALING_AUDIT_MULTIVERSE_B"):
        _run()


def test_paper_additions_and_exclusions_are_checked(tmp_path):
    path = tmp_path / "paper.yaml"
    defaults = default_specs("chinchilla", {"name": "huber", "delta": 1e-3}, ("N", "D"))
    names = {s.name for s in defaults}
    assert {"huber_0.0001", "huber_0.01", "huber_0.1", "least_squares_log", "least_squares_loss", "dense_grid",
            "without_smallest_N", "without_largest_C"} <= names
    assert "huber_0.001" not in names  # the main criterion itself is not an alternative
    block = read_multiverse(path, {"multiverse": {
        "add": [{"name": "huber_0.05", "reason": "the paper's appendix", "objective": {"name": "huber", "delta": 0.05}}],
        "exclude": [{"name": "least_squares_loss", "reason": "the loss spans two decades"}]}})
    specs, excluded = paper_specs(path, block, defaults)
    assert "huber_0.05" in {s.name for s in specs} and "least_squares_loss" not in {s.name for s in specs}
    assert excluded == [{"spec": "least_squares_loss", "reason": "the loss spans two decades"}]
    with pytest.raises(MetadataError, match=r"exclude\[0\].name"):
        paper_specs(path, {"exclude": [{"name": "nope", "reason": "x"}]}, defaults)
    with pytest.raises(MetadataError, match=r"add\[0\].reason"):
        read_multiverse(path, {"multiverse": {"add": [{"name": "x", "objective": {"name": "squared"}}]}})
    with pytest.raises(MetadataError, match="exactly one"):
        paper_specs(path, {"add": [{"name": "x", "reason": "y", "objective": {"name": "squared"}, "starts": "dense"}]},
                    defaults)
    with pytest.raises(MetadataError, match=r"add\[0\].objective"):
        paper_specs(path, {"add": [{"name": "x", "reason": "y", "objective": {"name": "l7"}}]}, defaults)
