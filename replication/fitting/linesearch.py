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
    extend: int = 0,
) -> tuple[np.ndarray, list[np.ndarray], np.ndarray]:
    """Accepted points, the outputs of ``evaluate`` there (value first), and a mask of rows that found no step.

    ``x``, ``d``, ``f``, ``slope`` and ``t`` hold the rows being searched; ``rows`` are their problem indices.
    ``t`` is updated in place to the accepted step lengths. With ``value`` (the objective alone, the same numbers
    as ``evaluate``'s first output) the trials are judged on it and ``evaluate`` runs once, at the accepted points:
    a search that halves many times then pays for one gradient and curvature per row instead of one per trial.

    ``depth`` (per row, ``t`` times a power of 2; with ``value``) is where a row's search is expected to end, e.g.
    twice its last accepted length: a row whose first trial fails has every halving down to it (at most
    MAX_JUDGED) judged in one evaluation, and the longest that passes is taken, the step halving one at a time
    would take (it goes on halving below if none passes). Only the number of evaluations changes, never the step.

    ``extend`` (with ``value``): a row whose first trial passes doubles its step, up to ``extend`` times, while each
    doubling still passes the Armijo test and lowers the objective further. A majorise-minimise step along a flat
    edge of a nearly piecewise-linear objective (a Huber loss whose quadratic zone holds almost no residual) is
    often half or less of the distance the objective keeps falling over; doubling reaches it in a few trials instead
    of as many short steps, each paying for a gradient and curvature.
    """
    x_new = np.empty_like(d)
    outs: list[np.ndarray] | None = None
    tried = np.zeros(rows.size, dtype=int)  # lengths judged per row
    block = np.ones(rows.size, dtype=int)  # lengths each row judges in the next evaluation: t, t/2, ...
    failed = np.zeros(rows.size, dtype=bool)
    pending = np.arange(rows.size)
    f_acc = np.full(rows.size, np.inf)  # the objective at each row's accepted point (with ``value``)
    while pending.size:
        k = block[pending]
        if k.max() == 1:
            at, lengths, segment = pending, t[pending], None
        else:  # entry i of the evaluation: row at[i] at length t / 2^j
            segment = np.cumsum(k) - k
            at = np.repeat(pending, k)
            lengths = t[at] * np.exp2(-(np.arange(at.size) - np.repeat(segment, k)).astype(float))
        trial = x[at] + lengths[:, None] * d[at]
        res = (value(trial, rows[at]),) if value is not None else evaluate(trial, rows[at])
        if outs is None and value is None:
            outs = [np.full((rows.size,) + np.shape(r)[1:], np.inf) for r in res]
        ok = np.isfinite(res[0]) & (res[0] <= f[at] + 1e-4 * lengths * slope[at])
        first = np.where(ok, np.arange(at.size), at.size)  # per row, its first (longest) passing entry
        if segment is not None:
            first = np.minimum.reduceat(first, segment)
        found = first < at.size
        idx, pick = pending[found], first[found]
        x_new[idx], t[idx], f_acc[idx] = trial[pick], lengths[pick], res[0][pick]
        if value is None:
            for out, r in zip(outs, res):
                out[idx] = r[pick]
        tried[pending] += k
        rest = pending[~found]
        t[rest] *= np.exp2(-k[~found].astype(float))
        spent = tried[rest] >= max_halvings
        failed[rest[spent]] = True
        pending = rest[~spent]
        block[pending] = 1
        if depth is not None and value is not None:  # after a failed first trial: the halvings down to the depth
            after_first = pending[tried[pending] == 1]
            span = np.rint(np.log2(t[after_first] / depth[after_first])).astype(int) + 1
            block[after_first] = np.clip(span, 1, np.minimum(MAX_JUDGED, max_halvings - 1))
    if value is not None and extend > 0:
        _double(value, x, rows, d, f, slope, t, x_new, f_acc, np.flatnonzero(~failed & (tried == 1)), extend)
    if value is not None:
        done = np.flatnonzero(~failed)
        probe = done if done.size else np.arange(min(1, rows.size))  # no step anywhere: shapes from one row
        res = evaluate(x_new[done] if done.size else x[probe], rows[probe])
        outs = [np.full((rows.size,) + np.shape(r)[1:], np.inf) for r in res]
        if done.size:
            for out, r in zip(outs, res):
                out[done] = r
    return x_new, outs, failed


def _double(value, x, rows, d, f, slope, t, x_new, f_acc, grow, extend) -> None:
    """Double the accepted steps of rows ``grow`` while the objective keeps falling (see armijo_batch); updates
    ``t``, ``x_new`` and ``f_acc`` in place."""
    for _ in range(extend):
        if grow.size == 0:
            break
        longer = 2.0 * t[grow]
        trial = x[grow] + longer[:, None] * d[grow]
        fv = value(trial, rows[grow])
        ok = np.isfinite(fv) & (fv < f_acc[grow]) & (fv <= f[grow] + 1e-4 * longer * slope[grow])
        grow = grow[ok]
        x_new[grow], t[grow], f_acc[grow] = trial[ok], longer[ok], fv[ok]


def descent_direction(d: np.ndarray, g: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows of ``d`` (changed in place) with their slopes d.g, steepest descent where d does not descend.

    Returns the directions, the slopes and the mask of rows that fell back.
    """
    slope = np.einsum("kp,kp->k", d, g)
    bad = ~(slope < 0) | ~np.all(np.isfinite(d), axis=1)
    d[bad] = -g[bad]
    slope[bad] = -np.einsum("kp,kp->k", g[bad], g[bad])
    return d, slope, bad
