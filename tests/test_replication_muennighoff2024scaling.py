"""Muennighoff et al. 2023 end to end on the released final losses, against the published constants.

Bootstrap: 1,000 resamples for the main fit and 200 for the joint refit, as the paper runs them (and `make`). The
point estimates are deterministic optima of the published criterion and are tested tightly.
"""

import pytest


@pytest.fixture(scope="module")
def muennighoff(made):
    return made("muennighoff2024scaling")


def _claims(result):
    return {row["claim"]: row for row in result["claims"]}


def test_points_follow_the_authors_curation(muennighoff):
    assert muennighoff["status"] == "ok", muennighoff.get("error")
    fits = muennighoff["fits"]
    assert fits["main"]["n_points"] == 181  # the authors' 182 less the run missing from the released file
    assert fits["joint"]["n_points"] == 181 and fits["untied"]["n_points"] == 181
    assert fits["all_runs"]["n_points"] == 228  # 229 released runs less the one whose unique tokens are misrecorded
    assert fits["main"]["n_starts"] == 9


def test_published_decay_constants_are_the_second_best_optimum(muennighoff):
    q = muennighoff["quantities"]
    # the best optimum of the published criterion (single-epoch constants held at the published values)
    assert q["R_D_star"]["value"] == pytest.approx(46.21, rel=1e-3)
    assert q["R_N_star"]["value"] == pytest.approx(2.353, rel=1e-3)
    optima = muennighoff["tables"]["main_local_optima"]["rows"]
    assert len(optima) >= 2
    # another basin is the published one: 15.387756, 5.309743 with 182 runs in single precision
    published = [o for o in optima[1:] if o["R_D_star"] == pytest.approx(15.387756, rel=5e-3)]
    assert len(published) == 1 and published[0]["R_N_star"] == pytest.approx(5.309743, rel=5e-3)
    # the criterion barely separates them: the published point is 4.3e-6 (0.03%) above the best
    gap = q["objective_at_published"]["value"] - q["objective_at_refit"]["value"]
    assert 3e-6 < gap < 6e-6
    c = _claims(muennighoff)
    assert c["R_D_star_optimum"]["rule_outcome"] == "not reproduced"
    assert c["R_N_star_optimum"]["rule_outcome"] == "not reproduced"
    # the data do not determine R*_D: both of its claims (interval and optimum) get the one verdict "not identified"
    assert c["R_D_star"]["verdict"] == c["R_D_star_optimum"]["verdict"] == "not identified"
    assert "spans a factor" in c["R_D_star"]["identification"]
    assert c["four_epochs"]["verdict"] == "not testable"


def test_joint_refit_moves_the_single_epoch_constants(muennighoff):
    nat = muennighoff["fits"]["joint"]["natural"]
    # the runs themselves prefer a larger exponent and irreducible loss than the published 0.3527 and 1.869;
    # the optimum lies on a flat ridge in R_N_star (excess parameters are barely identified once every constant
    # is free), so only what the ridge does not move is tested tightly
    assert nat["alpha"] == pytest.approx(0.387, abs=3e-3)
    assert nat["E"] == pytest.approx(2.06, abs=5e-3)
    assert nat["R_N_star"] > 100
    # refitting all constants more than halves the criterion of the published protocol
    assert muennighoff["fits"]["joint"]["point"]["fun"] < 0.5 * muennighoff["fits"]["main"]["point"]["fun"]
    for cid in ("log_A", "log_B", "log_E", "alpha"):
        row = _claims(muennighoff)[cid]
        assert row["ci_low"] < row["replicated"] < row["ci_high"]


def test_extrapolation_to_the_most_repeated_runs(muennighoff):
    rows = {r["fit"]: r for r in muennighoff["extrapolation"]}
    assert set(rows) == {"main", "joint"}
    for r in rows.values():
        assert r["threshold"] == 100 and r["n_held_out"] == 43 and r["n_fit"] == 138
    # the sub-fit puts R_D_star on its face (no decay of repeated data below 100 epochs); the law written with
    # 1 - exp(-R / R*) once let it settle at log R*_D = 39.5, where that difference rounds to 0 (repeated data
    # worth nothing), with a 10% error and a higher objective under the exact law
    assert rows["main"]["are"] == pytest.approx(0.0767, abs=2e-3)
    assert rows["joint"]["are"] == pytest.approx(0.0635, abs=2e-3)
