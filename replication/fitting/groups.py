"""Many small fits: one law fitted to each group of a table on its fit rows, scored on its held-out rows.

For benchmarks of learning-curve extrapolation (one curve per task), where a full `Audit.fit` per curve
(bootstrap, figures, health rows) would be out of scale. Each group is fitted with the same multi-start
engine; a group whose fit fails is reported with its error instead of stopping the run. Groups are
independent, so ``n_jobs`` > 1 spreads them over worker processes with identical results.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd
from ..parallel import run_tasks
from ..timing import stage

from ..errors import AuditError, DataError
from ..laws.base import Law
from .objectives import Objective
from .scoring import fit_and_score


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
    jobs = []
    for key, sub in frame.groupby(list(by), sort=True):
        key = key if isinstance(key, tuple) else (key,)
        held = sub[held_out].to_numpy(dtype=bool)
        X = {k: sub[c].to_numpy(dtype=float) for k, c in inputs.items()}
        extra = None if extra_starts is None else extra_starts.get(tuple(key))
        jobs.append((dict(zip(by, key)), held, X, sub[target].to_numpy(dtype=float),
                     starts if extra is None else np.vstack([starts, np.asarray(extra, dtype=float)[None, :]])))
    with stage("grouped fits"):
        rows = run_tasks(_one_group, [(head, held, X, y, law, objective, s, fit_options) for head, held, X, y, s in jobs],
                         n_jobs, label="grouped fits")
    return pd.DataFrame(rows)


def _one_group(head: dict, held: np.ndarray, X: dict, y: np.ndarray, law: Law, objective: Objective,
               starts: np.ndarray, fit_options: dict) -> dict:
    """One group's fit and score; many small fits from the paper's grid, so no confirmation round
    (fitting/multistart.py) unless the options ask for one."""
    row = dict(head, n_fit=int((~held).sum()), n_held_out=int(held.sum()), error="")
    if row["n_fit"] <= law.n_params or row["n_held_out"] == 0:
        row["error"] = "too few fit or held-out points"
        return row
    try:
        out = fit_and_score(law, objective, starts, {k: v[~held] for k, v in X.items()}, y[~held],
                            {k: v[held] for k, v in X.items()}, y[held], **{"confirm": False, **fit_options})
    except AuditError as exc:
        row["error"] = str(exc)
        return row
    out.pop("_predicted"), out.pop("_theta"), out.pop("in_sample_are")
    row.update(out)
    return row
