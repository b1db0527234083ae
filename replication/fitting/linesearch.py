"""Batched Armijo backtracking shared by the optimisers: each row halves its own step until it decreases."""

from __future__ import annotations

from typing import Callable

import numpy as np


def armijo_batch(
    evaluate: Callable[[np.ndarray, np.ndarray], tuple],
    x: np.ndarray,
    rows: np.ndarray,
    d: np.ndarray,
    f: np.ndarray,
    slope: np.ndarray,
    t: np.ndarray,
    max_halvings: int,
    value: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None,
) -> tuple[np.ndarray, list[np.ndarray], np.ndarray]:
    """Accepted points, the outputs of ``evaluate`` there (value first), and a mask of rows that found no step.

    ``x``, ``d``, ``f``, ``slope`` and ``t`` hold the rows being searched; ``rows`` are their problem indices.
    ``t`` is updated in place to the accepted step lengths. With ``value`` (the objective alone, the same numbers
    as ``evaluate``'s first output) the trials are judged on it and ``evaluate`` runs once, at the accepted points:
    a search that halves many times then pays for one gradient and curvature per row instead of one per trial.
    """
    x_new = np.empty_like(d)
    outs: list[np.ndarray] | None = None
    pending = np.arange(rows.size)
    for _ in range(max_halvings):
        trial = x[pending] + t[pending, None] * d[pending]
        res = (value(trial, rows[pending]),) if value is not None else evaluate(trial, rows[pending])
        if outs is None and value is None:
            outs = [np.full((rows.size,) + np.shape(r)[1:], np.inf) for r in res]
        ok = np.isfinite(res[0]) & (res[0] <= f[pending] + 1e-4 * t[pending] * slope[pending])
        idx = pending[ok]
        x_new[idx] = trial[ok]
        if value is None:
            for out, r in zip(outs, res):
                out[idx] = r[ok]
        pending = pending[~ok]
        if pending.size == 0:
            break
        t[pending] *= 0.5
    failed = np.zeros(rows.size, dtype=bool)
    failed[pending] = True
    if value is not None:
        done = np.flatnonzero(~failed)
        probe = done if done.size else np.arange(min(1, rows.size))  # no step anywhere: shapes from one row
        res = evaluate(x_new[done] if done.size else x[probe], rows[probe])
        outs = [np.full((rows.size,) + np.shape(r)[1:], np.inf) for r in res]
        if done.size:
            for out, r in zip(outs, res):
                out[done] = r
    return x_new, outs, failed


def descent_direction(d: np.ndarray, g: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows of ``d`` (changed in place) with their slopes d.g, steepest descent where d does not descend.

    Returns the directions, the slopes and the mask of rows that fell back.
    """
    slope = np.einsum("kp,kp->k", d, g)
    bad = ~(slope < 0) | ~np.all(np.isfinite(d), axis=1)
    d[bad] = -g[bad]
    slope[bad] = -np.einsum("kp,kp->k", g[bad], g[bad])
    return d, slope, bad
