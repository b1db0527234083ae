"""Udandarao et al. 2024 end to end on the released accuracies and concept counts (JSON trees).

The reference slope for one model is computed here straight from the mirror's JSON files with json and numpy,
independently of the replication script's join of classes and counts.
"""

import json
import os
from pathlib import Path

import numpy as np
import pytest

from replication.paths import mirror_dir

KEY = "udandarao2024zeroshot"


@pytest.fixture(scope="module")
def result(made):
    return made(KEY)


def _reference_points(model: str, pretraining: str):
    root = Path(mirror_dir()) / "frequency-determines-performance"
    x, y = [], []
    for f in sorted(os.listdir(root / "zero_shot_evaluations")):
        if not f.endswith("_ensemble_results.json"):
            continue
        ds = f.removesuffix("_ensemble_results.json")
        counts_file = root / "search_counts" / f"{ds}_{pretraining}_integrated_tlemmatized_i0.7_search_counts.json"
        if not counts_file.exists():
            continue
        counts = {k.replace("_", " "): v for k, v in json.loads(counts_file.read_text()).items()}
        classwise = json.loads((root / "zero_shot_evaluations" / f).read_text())[model]["classwise"]
        for name, acc in classwise.items():
            name = name.replace("_", " ")
            count = counts["airplane" if (ds, name) == ("cifar10", "plane") else name]
            if count > 0:
                x.append(count)
                y.append(acc)
    return np.array(x, float), np.array(y, float)


@pytest.mark.parametrize("model, pretraining, fit", [("backboneRN50_pretrainedcc3m", "cc3m", "cc3m_rn50"),
                                                     ("backboneViT-L-14_pretrainedlaion400m", "laion400m", "laion400m_vit_l_14")])
def test_slope_matches_an_independent_least_squares_line(result, model, pretraining, fit):
    assert result["status"] == "ok", result.get("error")
    x, y = _reference_points(model, pretraining)
    b, a = np.polyfit(np.log10(x), y, 1)
    assert result["fits"][fit]["n_points"] == len(x)
    assert result["quantities"][f"{fit}.b"]["value"] == pytest.approx(b, rel=1e-6)
    assert result["quantities"][f"{fit}.a"]["value"] == pytest.approx(a, rel=1e-6)


def test_every_model_has_a_fit_and_verdicts_follow_the_quantities(result):
    assert len(result["fits"]) == 11
    q = result["quantities"]
    lows = [q[f"{name}.b"]["intervals"]["0.95"][0] for name in result["fits"]]
    assert q["min_slope_low95"]["value"] == pytest.approx(min(lows))
    claims = {c["claim"]: c for c in result["claims"]}
    assert claims["log_linear_concept_frequency"]["verdict"] == ("reproduced" if min(lows) >= 0 else "not reproduced")
    share = q["share_models_binned_significant"]["value"]
    assert claims["binned_trend_significant"]["verdict"] == ("reproduced" if share >= 1 else "not reproduced")
    assert 0 < q["n_zero_count_set_aside"]["value"] < q["n_points"]["value"]
    per = result["tables"]["per_dataset"]["rows"]
    positive = np.mean([r["slope_per_decade"] > 0 for r in per])
    assert q["share_dataset_slopes_positive"]["value"] == pytest.approx(positive)
