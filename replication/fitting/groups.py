"""Many small fits: one law fitted to each group of a table on its fit rows, scored on its held-out rows.

For benchmarks of learning-curve extrapolation (one curve per task), where a full `Audit.fit` per curve
(bootstrap, figures, health rows) would be out of scale. The groups are fitted together, in batches of
GROUP_BATCH, by the batched multi-start engine: each group is one row of the batch, its points padded to the
batch's longest group with copies of its first point at weight zero, so every iteration advances all of them at
the cost of one (a small fit alone spends its time in per-iteration overhead). A group whose fit fails is reported
with its error instead of stopping the run. The batches are fixed by the data (groups ordered by their number of
fit points), so ``n_jobs`` > 1 spreads them over worker processes with identical results.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd
from ..parallel import run_tasks
from ..timing import stage

from ..errors import AuditError, DataError
from ..laws.base import Law
from .multistart import fit_multistart_many
from .objectives import Objective
from .result import FitResult
from .scoring import score_fit

GROUP_BATCH = 32  # groups fitted together (fixed, so the numbers never depend on n_jobs)


def fit_groups(
    frame: pd.DataFrame,
    by: Sequence[str],
    law: Law,
    objective: Objective,
    starts: np.ndarray,
    *,
    inputs: dict[str, str],
    target: str,
    held_out: str,
    source: str = "fit_groups",
    n_jobs: int = 1,
    extra_starts: dict | None = None,
    **fit_options,
) -> pd.DataFrame:
    """One row per group of ``frame`` (grouped by ``by``): fit on rows where ``held_out`` is false, score the rest.

    Columns: the group keys, n_fit, n_held_out, converged, objective, n_iter, are, max_are, rmse_log (held out),
    in_sample_rmse_log, param_<name> for each fit parameter, and error (empty, or why the group has no fit).
    ``extra_starts`` (group key tuple -> parameter vector) adds a start to that group's grid.
    """
    missing = [c for c in list(by) + list(inputs.values()) + [target, held_out] if c not in frame.columns]
    if missing:
        raise DataError(source, missing[0], "the grouped fit names a column the data lacks", f"use one of {list(frame.columns)}")
    rows, todo = [], []  # todo: (place, group's fit data, held-out data, starts)
    for key, sub in frame.groupby(list(by), sort=True):
        key = key if isinstance(key, tuple) else (key,)
        held = sub[held_out].to_numpy(dtype=bool)
        X = {k: sub[c].to_numpy(dtype=float) for k, c in inputs.items()}
        y = sub[target].to_numpy(dtype=float)
        extra = None if extra_starts is None else extra_starts.get(tuple(key))
        row = dict(zip(by, key), n_fit=int((~held).sum()), n_held_out=int(held.sum()), error="")
        rows.append(row)
        if row["n_fit"] <= law.n_params or row["n_held_out"] == 0:
            row["error"] = "too few fit or held-out points"
            continue
        todo.append((len(rows) - 1, ({k: v[~held] for k, v in X.items()}, y[~held]),
                     ({k: v[held] for k, v in X.items()}, y[held]),
                     starts if extra is None else np.vstack([starts, np.asarray(extra, dtype=float)[None, :]])))
    batches = _batches(todo)
    with stage("grouped fits"):
        parts = run_tasks(_fit_batch, [(law, objective, [todo[i][1:3] for i in b], todo[b[0]][3], fit_options)
                                       for b in batches], n_jobs, label="grouped fits")
    for b, part in zip(batches, parts):
        for i, out in zip(b, part):
            rows[todo[i][0]].update(out)
    return pd.DataFrame(rows)


def _batches(todo: list[tuple]) -> list[list[int]]:
    """The groups (indices into ``todo``) fitted together: those with the same starts, ordered by their number of fit
    points (so little padding), GROUP_BATCH at a time."""
    by_starts: dict[bytes, list[int]] = {}
    for i, (_, _, _, starts) in enumerate(todo):
        by_starts.setdefault(np.ascontiguousarray(starts).tobytes() + repr(starts.shape).encode(), []).append(i)
    out = []
    for members in by_starts.values():
        members = sorted(members, key=lambda i: todo[i][1][1].size)  # stable: ties keep the groups' order
        out += [members[lo:lo + GROUP_BATCH] for lo in range(0, len(members), GROUP_BATCH)]
    return out


def _fit_batch(law: Law, objective: Objective, groups: list[tuple], starts: np.ndarray, fit_options: dict) -> list[dict]:
    """Fit and score the ``groups`` ((X_fit, y_fit), (X_held, y_held)) together; many small fits from the paper's
    grid, so no confirmation round (fitting/multistart.py) unless the options ask for one. Per group its score
    columns, or its error."""
    width = max(y.size for (_, y), _ in groups)

    def pad(v: np.ndarray) -> np.ndarray:  # with copies of a real point, at weight zero
        return np.concatenate([v, np.full(width - v.size, v[0])])

    names = list(groups[0][0][0])
    X = {k: np.vstack([pad(Xf[k]) for (Xf, _), _ in groups]) for k in names}
    y = np.vstack([pad(yf) for (_, yf), _ in groups])
    W = np.vstack([(np.arange(width) < yf.size).astype(float) for (_, yf), _ in groups])
    options = {"confirm": False, "adapt_damping": False, **fit_options}
    try:
        fits = fit_multistart_many(law, objective, X, y, starts, W, errors="return", **options)
    except AuditError as exc:  # the batch as a whole refused (e.g. its starts): every group says why
        return [{"error": str(exc)} for _ in groups]
    out = []
    for ((X_fit, y_fit), (X_held, y_held)), res in zip(groups, fits):
        if isinstance(res, FitResult) and not res.converged:
            res = _alone(law, objective, X_fit, y_fit, starts, options)
        if isinstance(res, AuditError):
            out.append({"error": str(res)})
            continue
        row = score_fit(law, res, X_fit, y_fit, X_held, y_held)
        row.pop("_predicted"), row.pop("_theta"), row.pop("in_sample_are")
        out.append(row)
    return out


def _alone(law: Law, objective: Objective, X: dict, y: np.ndarray, starts: np.ndarray, options: dict) -> FitResult | AuditError:
    """The group fitted by itself: for a fit that stopped before its stopping test (at the iteration cap), where it
    stops depends on the rounding along its path, which the batch's padding changes; alone it stops where it always
    has, whatever the batch it came in."""
    return fit_multistart_many(law, objective, X, y, starts, np.ones((1, y.size)), errors="return", **options)[0]
