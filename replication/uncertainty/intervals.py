"""Interval estimates from bootstrap samples, their Monte Carlo standard errors, and the summaries the report prints.

Monte Carlo error is the part of an interval end's (or standard error's) uncertainty due to drawing only B
resamples. Percentile ends use the binomial/order-statistic method; any other statistic of the replicates uses
the delete-a-group jackknife over the replicates. Neither refits anything.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

JACKKNIFE_GROUPS = 20


def _finite(samples: np.ndarray) -> np.ndarray:
    s = np.asarray(samples, dtype=float)
    return s[np.isfinite(s)]


def _not_nan(samples: np.ndarray) -> np.ndarray:
    """Replicates without failed refits (NaN); infinite ones stay: a refit on a face of its law (laws/faces.py,
    e.g. R* = inf) is a valid replicate whose value is the limit."""
    s = np.asarray(samples, dtype=float)
    return s[~np.isnan(s)]


def _quantile(s: np.ndarray, p: float) -> float:
    """np.quantile's linear interpolation, where an infinite order statistic makes the quantile infinite
    exactly when the interpolation would use it (no inf - inf)."""
    s = np.sort(s)
    h = (s.size - 1) * p
    lo, hi = int(np.floor(h)), int(np.ceil(h))
    if np.isfinite(s[lo]) and np.isfinite(s[hi]):
        return float(np.quantile(s, p))
    if h == lo or s[lo] == s[hi]:
        return float(s[lo])
    return float(s[hi] if np.isinf(s[hi]) else s[lo])


def percentile_interval(samples: np.ndarray, level: float) -> tuple[float, float]:
    """Bootstrap percentile interval at ``level`` (e.g. 0.95): the (1-level)/2 and (1+level)/2 quantiles."""
    if not 0 < level < 1:
        raise ValueError(f"interval level must be in (0, 1), got {level}")
    s = _not_nan(samples)
    if s.size == 0:
        return float("nan"), float("nan")
    if np.isfinite(s).all():
        lo, hi = np.quantile(s, [(1 - level) / 2, (1 + level) / 2])
        return float(lo), float(hi)
    return _quantile(s, (1 - level) / 2), _quantile(s, (1 + level) / 2)


def quantile_mcse(samples: np.ndarray, p: float) -> float:
    """Monte Carlo SE of the p-quantile of B replicates: half the gap between the order statistics at
    B p -/+ sqrt(B p (1 - p)), a distribution-free 68% interval for the quantile (binomial method)."""
    s = np.sort(_not_nan(samples))
    b = s.size
    if b < 2:
        return float("nan")
    half = np.sqrt(b * p * (1 - p))  # one binomial standard deviation of the count below the quantile
    lo = int(np.clip(np.floor(b * p - half), 0, b - 1))
    hi = int(np.clip(np.ceil(b * p + half), 0, b - 1))
    if s[hi] == s[lo]:  # also both infinite (a face): the end is that limit whatever the draws
        return 0.0
    return float((s[hi] - s[lo]) / 2)


def interval_mcse(samples: np.ndarray, level: float) -> tuple[float, float]:
    """Monte Carlo SEs of the two ends of the percentile interval at ``level``."""
    return quantile_mcse(samples, (1 - level) / 2), quantile_mcse(samples, (1 + level) / 2)


def jackknife_mcse(stat: Callable[[np.ndarray], float], samples: np.ndarray, groups: int = JACKKNIFE_GROUPS) -> float:
    """Monte Carlo SE of ``stat(samples)`` by the delete-a-group jackknife over the replicates (rows, in order)."""
    s = np.asarray(samples, dtype=float)
    g = min(groups, s.shape[0])
    if g < 2:
        return float("nan")
    parts = np.array_split(np.arange(s.shape[0]), g)
    values = np.array([stat(np.delete(s, idx, axis=0)) for idx in parts], dtype=float)
    if not np.all(np.isfinite(values)):
        return float("nan")
    return float(np.sqrt((g - 1) / g * np.sum((values - values.mean()) ** 2)))


def bootstrap_se(samples: np.ndarray) -> float:
    """Standard deviation of the bootstrap replicates (the bootstrap standard error); infinite when some
    replicates lie at an infinite face limit (the quantity is not bounded by the data)."""
    s = _not_nan(samples)
    if np.isinf(s).any():
        return float("inf")
    return float(np.std(s, ddof=1)) if s.size > 1 else float("nan")


def se_mcse(samples: np.ndarray) -> float:
    """Monte Carlo SE of the bootstrap standard error (jackknife over groups of replicates)."""
    return jackknife_mcse(bootstrap_se, _finite(samples))


def summarise(point: float, samples: np.ndarray | None, levels=(0.8, 0.95)) -> dict:
    """Point value, bootstrap SE and percentile intervals at each level, each with its Monte Carlo SE."""
    out = {"value": float(point)}
    if samples is not None and len(samples):
        out["se"] = bootstrap_se(samples)
        out["se_mcse"] = se_mcse(samples)
        out["intervals"] = {f"{lv:g}": list(percentile_interval(samples, lv)) for lv in levels}
        out["intervals_mcse"] = {f"{lv:g}": list(interval_mcse(samples, lv)) for lv in levels}
    return out
