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

from dataclasses import replace

import numpy as np
import pandas as pd

from ..fitting.loglog import fit_power_law, wls_lines
from ..protocols.isoflop import IsoflopSpec, budget_minima, locate_minima
from ..uncertainty.intervals import percentile_interval
from ..uncertainty.resample import chunk_sizes, resample_weights

LEVEL = 0.95
RULE = (f"inconsistent when the {LEVEL:.0%} paired bootstrap percentile interval of the difference "
        "(Approach 2 minus Approach 3, both refitted on the same resamples of the runs) excludes 0; consistent otherwise")
COLUMNS = ["paper", "dataset", "approach_a", "a", "a_low", "a_high", "approach_b", "b", "b_low", "b_high",
           "difference", "diff_low", "diff_high", "verdict"]


def isoflop_exponent(frame: pd.DataFrame, spec: IsoflopSpec, resample: bool = False) -> float:
    """The exponent of x* = k C^a through the valid minima of ``frame`` (NaN with fewer than two), weighted by the
    spread of the optimum per budget where the spec says so (as the paper's own Approach-2 fit)."""
    used = locate_minima(frame, spec, sparse_ok=resample).query("valid")
    if used["budget"].nunique() < 2:
        return float("nan")
    sd = used[spec.sd] if spec.weighted else None
    a = fit_power_law(used["budget"], used["x_opt"], sd).exponent
    return a if spec.optimum_of == "N" else 1 - a


def _budget_rows(frame: pd.DataFrame, spec: IsoflopSpec) -> list[tuple[IsoflopSpec, np.ndarray]]:
    """Per budget of the analysis, the spec that locates its minimum alone and the rows that minimum can use."""
    c = frame[spec.budget].to_numpy(dtype=float)
    if spec.minimum != "given" and spec.budgets is not None:  # budgets by compute tolerance (as locate_minima)
        tol = np.log1p(spec.tolerance if spec.tolerance is not None else 0.1) + 1e-12
        return [(replace(spec, budgets=(b,)), np.flatnonzero(np.abs(np.log(c / b)) <= tol)) for b in spec.budgets]
    return [(spec, np.flatnonzero(c == b)) for b in np.unique(c)]


def resampled_exponents(frame: pd.DataFrame, spec: IsoflopSpec, n_boot: int, seed: int,
                        groups: np.ndarray | None) -> np.ndarray:
    """Approach 2's exponent on every resample the law's bootstrap drew (same seed, chunks and clusters).

    A budget's minimum depends only on which of its runs a resample drew, so each distinct draw of a budget is
    located once (``budget_minima``, the rule of ``locate_minima``) and reused; the lines through the minima are
    fitted for all resamples at once (``wls_lines``, weighted as ``isoflop_exponent``)."""
    budgets = _budget_rows(frame, spec)
    size = frame[spec.size].to_numpy(dtype=float)
    loss = frame[spec.loss].to_numpy(dtype=float) if spec.loss else size
    sd = frame[spec.sd].to_numpy(dtype=float) if spec.weighted else np.ones(len(frame))
    level = frame[spec.budget].to_numpy(dtype=float)
    distinct: list[dict[bytes, np.ndarray]] = [{} for _ in budgets]  # per budget, each distinct draw of its runs
    chunks = chunk_sizes(n_boot)
    cells = []
    for i, count in enumerate(chunks):
        W = resample_weights(len(frame), count, seed, i, len(chunks), groups)
        for w in W:
            drawn = w > 0
            keys = []
            for j, (_, rows) in enumerate(budgets):
                sub = rows[drawn[rows]]
                keys.append(sub.tobytes())
                distinct[j].setdefault(keys[-1], sub)
            cells.append(keys)
    memo: list[dict[bytes, tuple[float, float, float]]] = []  # per budget and draw: (budget, x_opt, sd)
    for (bspec, _), draws in zip(budgets, distinct):
        drawn_rows = [r for r in draws.values() if r.size]
        x_opt = iter(budget_minima(bspec, [(size[r], loss[r]) for r in drawn_rows]))
        fixed = bspec.budgets[0] if bspec.budgets is not None and bspec.minimum != "given" else None
        memo.append({k: (float(level[r[0]] if fixed is None else fixed), float(next(x_opt)), float(sd[r[0]]))
                     if r.size else (float(np.nan if fixed is None else fixed), np.nan, np.nan)
                     for k, r in draws.items()})
    M = np.asarray([[memo[j][k] for j, k in enumerate(keys)] for keys in cells], dtype=float).reshape(
        len(cells), len(budgets), 3)
    valid = np.isfinite(M[..., 1])
    log_c = np.where(valid, np.log(np.where(valid, M[..., 0], 1.0)), 0.0)
    log_x = np.where(valid, np.log(np.where(valid, M[..., 1], 1.0)), 0.0)
    weight = np.where(valid, 1.0 / np.where(valid, M[..., 2], 1.0) ** 2, 0.0)
    slope, _ = wls_lines(log_c, log_x, weight)
    return slope if spec.optimum_of == "N" else 1 - slope


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
