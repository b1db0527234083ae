"""Batched Armijo backtracking shared by the optimisers: each row halves its own step until it decreases."""

from __future__ import annotations

from typing import Callable

import numpy as np


MAX_JUDGED = 16  # halvings of one row judged in one evaluation at most (bounds its memory: rows x 16 x points)


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
    depth: np.ndarray | None = None,
) -> tuple[np.ndarray, list[np.ndarray], np.ndarray]:
    """Accepted points, the outputs of ``evaluate`` there (value first), and a mask of rows that found no step.

    ``x``, ``d``, ``f``, ``slope`` and ``t`` hold the rows being searched; ``rows`` are their problem indices.
    ``t`` is updated in place to the accepted step lengths. With ``value`` (the objective alone, the same numbers
    as ``evaluate``'s first output) the trials are judged on it and ``evaluate`` runs once, at the accepted points:
    a search that halves many times then pays for one gradient and curvature per row instead of one per trial.

    ``depth`` (per row, ``t`` times a power of 2; with ``value``) is where a row's search is expected to end, e.g.
    twice its last accepted length: a row whose first trial fails has every halving down to it judged in one
    evaluation, and the longest that passes is taken, the step halving one at a time would take (it goes on
    halving below ``depth`` if none passes). Only the number of evaluations changes, never the accepted step.
    """
    x_new = np.empty_like(d)
    outs: list[np.ndarray] | None = None
    tried = np.zeros(rows.size, dtype=int)  # lengths judged per row
    failed = np.zeros(rows.size, dtype=bool)
    pending = np.arange(rows.size)
    while pending.size:
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
        tried[pending] += 1
        pending = pending[~ok]
        t[pending] *= 0.5
        spent = tried[pending] >= max_halvings
        failed[pending[spent]] = True
        pending = pending[~spent]
        if depth is not None and value is not None:
            jump = pending[(tried[pending] == 1) & (depth[pending] < t[pending])]
            if jump.size:
                pending = np.setdiff1d(pending, _judge_halvings(value, x, rows, d, f, slope, t, depth, jump, tried,
                                                                max_halvings, x_new, failed))
    if value is not None:
        done = np.flatnonzero(~failed)
        probe = done if done.size else np.arange(min(1, rows.size))  # no step anywhere: shapes from one row
        res = evaluate(x_new[done] if done.size else x[probe], rows[probe])
        outs = [np.full((rows.size,) + np.shape(r)[1:], np.inf) for r in res]
        if done.size:
            for out, r in zip(outs, res):
                out[done] = r
    return x_new, outs, failed


def _judge_halvings(value, x, rows, d, f, slope, t, depth, jump, tried, max_halvings, x_new, failed) -> np.ndarray:
    """The rows ``jump`` judged at t, t/2, ..., down to their depth (at most MAX_JUDGED lengths, and no more than
    max_halvings in all) in one evaluation; each takes the longest length that passes. Returns the rows that are
    done (a step found, or every length tried); the others go on halving from below the lengths judged."""
    count = np.minimum(np.minimum(np.rint(np.log2(t[jump] / depth[jump])).astype(int) + 1, MAX_JUDGED),
                       max_halvings - tried[jump])
    row_of = np.repeat(np.arange(jump.size), count)
    j = np.arange(row_of.size) - np.repeat(np.cumsum(count) - count, count)
    at = jump[row_of]
    lengths = t[at] * np.exp2(-j.astype(float))
    trial = x[at] + lengths[:, None] * d[at]
    fv = value(trial, rows[at])
    ok = np.isfinite(fv) & (fv <= f[at] + 1e-4 * lengths * slope[at])
    first = np.full(jump.size, np.iinfo(np.int64).max)
    np.minimum.at(first, row_of[ok], np.flatnonzero(ok))
    found = first < np.iinfo(np.int64).max
    pick = first[found]
    x_new[jump[found]] = trial[pick]
    t[jump[found]] = lengths[pick]
    rest = jump[~found]
    tried[rest] += count[~found]
    t[rest] *= np.exp2(-count[~found].astype(float))
    spent = rest[tried[rest] >= max_halvings]
    failed[spent] = True
    return np.concatenate([jump[found], spent])


def descent_direction(d: np.ndarray, g: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows of ``d`` (changed in place) with their slopes d.g, steepest descent where d does not descend.

    Returns the directions, the slopes and the mask of rows that fell back.
    """
    slope = np.einsum("kp,kp->k", d, g)
    bad = ~(slope < 0) | ~np.all(np.isfinite(d), axis=1)
    d[bad] = -g[bad]
    slope[bad] = -np.einsum("kp,kp->k", g[bad], g[bad])
    return d, slope, bad
