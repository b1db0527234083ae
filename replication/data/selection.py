"""Point selection rules papers apply before fitting: which runs form the compute-error frontier."""

from __future__ import annotations

import numpy as np


def pareto_bins(x: np.ndarray, y: np.ndarray, flop_unit: float) -> np.ndarray:
    """The pareto_bin frontier of Cherti et al. / Nezhurina et al.: the lowest y in each of log2(max x / flop_unit)
    geometric bins of x, kept only where it improves on every kept point of lower x (plus the largest-x run if it
    improves); rows are marked when their x and their y each occur among the kept points, as upstream marks them.
    ``x`` must be sorted ascending (ties broken by y)."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    edges = np.geomspace(x.min(), x.max(), int(np.log(x.max() / flop_unit) / np.log(2)))
    best = [np.flatnonzero(m)[np.argmin(y[m])] for m in ((x >= lo) & (x < hi) for lo, hi in zip(edges, edges[1:])) if m.any()]
    kept = [best[0]]
    for i in best[1:]:
        if y[i] < y[kept[-1]]:
            kept.append(i)
    last = int(np.flatnonzero(x == x.max())[0])
    if y[last] < y[kept[-1]]:
        kept.append(last)
    return np.isin(x, x[kept]) & np.isin(y, y[kept])
