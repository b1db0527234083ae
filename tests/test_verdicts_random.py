"""Random data must not reproduce any exponent: losses drawn at random against random N and D, refitted by the
Chinchilla protocol through Audit.fit, give a fit-health failure and no "reproduced" verdict on an exponent."""

import numpy as np
import pandas as pd
import pytest

from replication.audit import Audit
from replication.checks import verdicts
from replication.metadata.paper import Paper
from replication.settings import COVERAGE_K_ENV

EXPONENT_CLAIMS = ("alpha", "beta", "a_alloc")


def random_paper(seed: int) -> Paper:
    c = lambda cid, q, v, d: {"id": cid, "statement": cid, "source": "synthetic", "provenance": "paper", "quantity": q,
                               "value": v, "decimals": d}
    return Paper.model_validate({
        "key": "random2024", "title": "Random", "authors": ["Nobody"], "year": 2024, "status": "replicated",
        "law": {"name": "chinchilla", "statement": "L = E + A/N^alpha + B/D^beta"},
        "protocol": {
            "as_reported": "synthetic", "objective": {"name": "huber", "delta": 1e-3},
            "starts": {"a": [5.0, 20.0], "b": [5.0, 20.0], "e": [-1.0, 1.0], "alpha": [0.5, 1.5], "beta": [0.5, 1.5]},
            "bootstrap": {"n": 12, "seed": seed}, "settings": {"compute_budgets": [5.88e23]},
        },
        "claims": [c("alpha", "alpha", 0.34, 2), c("beta", "beta", 0.28, 2), c("a_alloc", "a_alloc", 0.46, 2),
                   {"id": "joint", "statement": "j", "source": "synthetic", "provenance": "paper", "rule": "joint",
                    "components": ["alpha", "beta"]}],
    })


@pytest.mark.parametrize("seed", [1])
def test_random_losses_reproduce_no_exponent(tmp_path, seed, monkeypatch):
    monkeypatch.setenv(COVERAGE_K_ENV, "0")  # the coverage study (simulation from the fit) is not judged here
    rng = np.random.default_rng(seed)
    n = 60
    frame = pd.DataFrame({"N": np.exp(rng.uniform(np.log(1e7), np.log(1e10), n)),
                          "D": np.exp(rng.uniform(np.log(1e9), np.log(1e12), n)),
                          "loss": rng.uniform(2.0, 4.0, n)})
    audit = Audit(random_paper(seed), tmp_path)
    audit.fit(frame, inputs={"N": "N", "D": "D"}, target="loss")
    result = audit.result()
    identified = [h for h in result["fit_health"] if h["check"] == "identified"]
    assert identified and identified[0]["status"] == "fail", identified
    rows = {r["claim"]: r for r in result["claims"]}
    for cid in EXPONENT_CLAIMS + ("joint",):
        assert rows[cid]["verdict"] != verdicts.REPRODUCED, (cid, rows[cid])
        if cid != "joint":  # the joint row is not run once a component is not identified
            assert rows[cid]["ci_low"] == rows[cid]["ci_low"]  # a bootstrap interval exists: the rule did run
        assert rows[cid]["verdict"] == verdicts.NOT_IDENTIFIED, (cid, rows[cid]["verdict"], rows[cid]["identification"])
