"""Which method wins each task of a benchmark: the lowest error at a printed precision, ties shared.

Errors are truncated (not rounded) to ``decimals`` before comparing, so methods that agree to the printed
precision tie; a tie among k methods gives each 1/k of the task. A missing error (a failed fit) counts as
worse than any finite error. `resample_tasks` draws tasks (or whole clusters of tasks) with replacement to put an interval on a share.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..uncertainty.resample import group_codes


def win_shares(errors: pd.DataFrame, decimals: int | None = 3) -> pd.DataFrame:
    """Per task (row) and method (column), the share of the win: 1 for a sole winner, 1/k in a k-way tie
    (``decimals`` None: errors compared as they are, ties only when equal)."""
    e = errors.to_numpy(dtype=float)
    if decimals is not None:
        scale = 10.0**decimals
        e = np.trunc(e * scale) / scale
    e = np.where(np.isfinite(e), e, np.inf)
    best = e.min(axis=1, keepdims=True)
    winners = (e == best).astype(float)
    shares = winners / winners.sum(axis=1, keepdims=True)
    return pd.DataFrame(shares, index=errors.index, columns=errors.columns)


def resample_tasks(shares: pd.DataFrame, n: int, seed: int, groups: np.ndarray | None = None) -> np.ndarray:
    """Win shares (n, methods) of ``n`` benchmarks made by drawing tasks with replacement (seeded); with ``groups``
    (one cluster label per task row) whole clusters are drawn, each drawn cluster contributing all its rows."""
    rng = np.random.default_rng(seed)
    s = shares.to_numpy(dtype=float)
    if groups is None:
        idx = rng.integers(0, s.shape[0], size=(n, s.shape[0]))
        return s[idx].mean(axis=1)
    codes, n_groups = group_codes(groups)
    sums = np.zeros((n_groups, s.shape[1]))
    np.add.at(sums, codes, s)
    sizes = np.bincount(codes, minlength=n_groups).astype(float)
    draws = rng.integers(0, n_groups, size=(n, n_groups))
    return sums[draws].sum(axis=1) / sizes[draws].sum(axis=1)[:, None]
