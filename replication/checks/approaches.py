"""Approach 2 against Approach 3 on the same runs: the compute-optimal exponent a (N* ~ C^a) from IsoFLOP minima and
from the parametric law L(N, D), and their difference with a paired interval.

The law's bootstrap resamples (regenerated from its seed, count and unit: ``uncertainty.resample``) are reused:
on every resample the IsoFLOP minima are recomputed from the runs drawn (each drawn run once: a minimum per budget
uses every run at most once) and the power law refitted by least squares in log-log, so each replicate of the
difference a_2 - a_3 comes from one resample. Verdict (``RULE``): inconsistent when the paired interval of the
difference excludes 0, consistent otherwise; a resample on which Approach 2 finds fewer than two budgets with an
interior minimum has no exponent and is left out of both intervals of that row (the row's note says how many).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..fitting.loglog import fit_power_law
from ..protocols.isoflop import IsoflopSpec, locate_minima
from ..uncertainty.intervals import percentile_interval
from ..uncertainty.resample import chunk_sizes, resample_weights

LEVEL = 0.95
RULE = (f"inconsistent when the {LEVEL:.0%} paired bootstrap percentile interval of the difference "
        "(Approach 2 minus Approach 3, both refitted on the same resamples of the runs) excludes 0; consistent otherwise")
COLUMNS = ["paper", "dataset", "approach_a", "a", "a_low", "a_high", "approach_b", "b", "b_low", "b_high",
           "difference", "diff_low", "diff_high", "verdict"]


def isoflop_exponent(frame: pd.DataFrame, spec: IsoflopSpec) -> float:
    """The exponent of x* = k C^a through the valid minima of ``frame`` (NaN with fewer than two)."""
    used = locate_minima(frame, spec).query("valid")
    if used["budget"].nunique() < 2:
        return float("nan")
    a = fit_power_law(used["budget"], used["x_opt"]).exponent
    return a if spec.optimum_of == "N" else 1 - a


def resampled_exponents(frame: pd.DataFrame, spec: IsoflopSpec, n_boot: int, seed: int,
                        groups: np.ndarray | None) -> np.ndarray:
    """Approach 2's exponent on every resample the law's bootstrap drew (same seed, chunks and clusters)."""
    sizes = chunk_sizes(n_boot)
    out = []
    for i, size in enumerate(sizes):
        W = resample_weights(len(frame), size, seed, i, len(sizes), groups)
        out += [isoflop_exponent(frame[w > 0], spec) for w in W]
    return np.asarray(out, dtype=float)


def consistency_row(paper: str, dataset: str, names: tuple[str, str], a2: tuple[float, np.ndarray],
                    a3: tuple[float, np.ndarray]) -> dict:
    """One row of the consistency table from point values and paired replicates of both exponents."""
    (va, sa), (vb, sb) = a2, a3
    ok = np.isfinite(sa) & ~np.isnan(sb)
    d = sa[ok] - sb[ok]
    a_lo, a_hi = percentile_interval(sa[ok], LEVEL) if ok.any() else (np.nan, np.nan)
    b_lo, b_hi = percentile_interval(sb[ok], LEVEL) if ok.any() else (np.nan, np.nan)
    d_lo, d_hi = percentile_interval(d, LEVEL) if ok.any() else (np.nan, np.nan)
    verdict = "inconsistent" if ok.any() and (d_lo > 0 or d_hi < 0) else "consistent"
    return {"paper": paper, "dataset": dataset, "approach_a": names[0], "a": va, "a_low": a_lo, "a_high": a_hi,
            "approach_b": names[1], "b": vb, "b_low": b_lo, "b_high": b_hi, "difference": va - vb,
            "diff_low": d_lo, "diff_high": d_hi, "verdict": verdict,
            "resamples_used": int(ok.sum()), "resamples": int(sa.size)}
