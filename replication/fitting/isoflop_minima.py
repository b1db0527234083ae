"""IsoFLOP minima: group runs by compute budget and locate the loss-optimal model size in each budget.

A run belongs to a budget when its compute is within a relative ``tolerance`` of it. Per budget the best
(lowest-loss) run of each model size is kept; with at least three sizes, log loss is interpolated over log size
(Akima spline on a uniform log grid, or a parabola) and the minimum is accepted only if it lies strictly inside
the range of sizes. The power-law fit of N* on C is then an ordinary law fit (``compute_optimal``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.interpolate import Akima1DInterpolator

from ..errors import AuditError

METHODS = ("akima", "parabola")


def isoflop_minima(
    compute: np.ndarray,
    size: np.ndarray,
    loss: np.ndarray,
    budgets: np.ndarray,
    *,
    tolerance: float = 0.1,
    method: str = "akima",
    points_per_interval: int = 25,
) -> pd.DataFrame:
    """One row per budget: runs and sizes found, and the optimum N* (NaN when none is inside the size range).

    ``points_per_interval`` sets the Akima grid: (sizes - 1) * points_per_interval points evenly spaced in log size.
    """
    if method not in METHODS:
        raise AuditError(f"isoflop_minima: unknown method '{method}'; use one of {METHODS}")
    compute, size, loss = (np.asarray(v, dtype=float) for v in (compute, size, loss))
    if not (compute.shape == size.shape == loss.shape):
        raise AuditError("isoflop_minima: compute, size and loss must have the same length")
    rows = []
    for budget in np.asarray(budgets, dtype=float):
        near = np.abs(np.log(compute / budget)) <= np.log1p(tolerance) + 1e-12
        best = pd.Series(loss[near]).groupby(size[near]).min().sort_index()
        row = {"budget": budget, "n_runs": int(near.sum()), "n_sizes": int(len(best)),
               "N_star": np.nan, "loss_star": np.nan, "note": ""}
        if len(best) < 3:
            row["note"] = "fewer than 3 model sizes"
        else:
            x, y = np.log(best.index.to_numpy(dtype=float)), np.log(best.to_numpy(dtype=float))
            x_star, y_star, note = _minimum(x, y, method, points_per_interval)
            row.update(N_star=float(np.exp(x_star)), loss_star=float(np.exp(y_star)), note=note)
        rows.append(row)
    return pd.DataFrame(rows)


def _minimum(x: np.ndarray, y: np.ndarray, method: str, points_per_interval: int) -> tuple[float, float, str]:
    """(log N*, log L*, note); NaN with a note when the minimum is on the edge of the size range."""
    if method == "akima":
        grid = np.linspace(x[0], x[-1], (len(x) - 1) * points_per_interval)
        values = Akima1DInterpolator(x, y)(grid)
        i = int(np.argmin(values))
        if i == 0 or i == len(grid) - 1:
            return np.nan, np.nan, "minimum at the edge of the size range"
        return float(grid[i]), float(values[i]), ""
    c2, c1, c0 = np.polyfit(x, y, 2)
    if c2 <= 0:
        return np.nan, np.nan, "parabola opens downwards"
    v = -c1 / (2 * c2)
    if not x[0] < v < x[-1]:
        return np.nan, np.nan, "minimum at the edge of the size range"
    return float(v), float(c0 + c1 * v + c2 * v * v), ""


def tokens_per_param(k: np.ndarray | float, a: np.ndarray | float, compute: float) -> np.ndarray:
    """D*/N* at ``compute`` implied by N*(C) = k C^a and D* = C / (6 N*)."""
    n_star = np.asarray(k, dtype=float) * float(compute) ** np.asarray(a, dtype=float)
    return float(compute) / (6.0 * n_star**2)
