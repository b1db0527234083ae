"""Approach 2 on the law's resamples (checks/approaches.py): the memoised per-budget minima and the batched lines
give the exponent the full IsoFLOP protocol gives on each resample, for every minimum rule and both budget kinds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from replication.checks.approaches import isoflop_exponent, resampled_exponents
from replication.protocols.isoflop import spec_from
from replication.uncertainty.resample import chunk_sizes, resample_weights


def _runs(jitter: bool) -> pd.DataFrame:
    """IsoFLOP runs of L = 1.7 + 400 / N^0.34 + 410 / D^0.28 with D = C / (6 N), seven sizes per budget."""
    rng = np.random.default_rng(3)
    rows = []
    for c in [1e18, 3e18, 1e19, 3e19, 1e20]:
        n_opt = 0.1 * c ** 0.5
        for n in n_opt * np.geomspace(0.2, 5, 7):
            cc = c * (1 + rng.uniform(-0.05, 0.05)) if jitter else c
            d = cc / (6 * n)
            loss = (1.7 + 400 / n**0.34 + 410 / d**0.28) * np.exp(rng.normal(0, 0.003))
            rows.append({"C": cc, "N": n, "loss": loss, "sd": 0.1 + 0.05 * np.log10(c / 1e18)})
    return pd.DataFrame(rows)


def _slow(frame, spec, n_boot, seed, groups=None):
    chunks = chunk_sizes(n_boot)
    out = []
    for i, count in enumerate(chunks):
        W = resample_weights(len(frame), count, seed, i, len(chunks), groups)
        out += [isoflop_exponent(frame[w > 0], spec, resample=True) for w in W]
    return np.asarray(out)


@pytest.mark.parametrize("decl, jitter", [
    ({"budget": "C", "size": "N", "loss": "loss", "minimum": "akima"}, False),
    ({"budget": "C", "size": "N", "loss": "loss", "minimum": "quadratic"}, False),
    ({"budget": "C", "size": "N", "loss": "loss", "minimum": "akima", "sd": "sd", "weighted": True}, False),
    ({"budget": "C", "size": "N", "loss": "loss", "minimum": "akima", "budgets": [1e18, 3e18, 1e19, 3e19, 1e20],
      "tolerance": 0.1}, True),
    ({"budget": "C", "size": "N", "loss": "loss", "minimum": "parabola", "budgets": [1e18, 3e18, 1e19, 3e19, 1e20],
      "tolerance": 0.1}, True),
])
def test_resampled_exponents_match_the_protocol_on_every_resample(decl, jitter):
    frame = _runs(jitter)
    spec = spec_from(decl, "test")
    fast = resampled_exponents(frame, spec, 300, 11, None)
    slow = _slow(frame, spec, 300, 11)
    assert fast.shape == (300,)
    np.testing.assert_array_equal(np.isnan(fast), np.isnan(slow))
    np.testing.assert_allclose(fast[~np.isnan(fast)], slow[~np.isnan(slow)], rtol=1e-9, atol=1e-12)
    assert np.isfinite(fast).mean() > 0.5
    assert 0.3 < isoflop_exponent(frame, spec) < 0.6  # near the law's b / (a + b) = 0.45 (seven sizes, 0.3% noise)


def test_a_budget_drawn_too_thinly_has_no_minimum_on_that_resample():
    frame = _runs(False).groupby("C").head(3)  # three sizes per budget: most resamples lose one
    spec = spec_from({"budget": "C", "size": "N", "loss": "loss", "minimum": "quadratic"}, "test")
    fast = resampled_exponents(frame, spec, 200, 5, None)
    np.testing.assert_array_equal(np.isnan(fast), np.isnan(_slow(frame, spec, 200, 5)))
    assert np.isnan(fast).any()
