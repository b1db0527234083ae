"""Multi-start fits: every start advanced together, hopeless starts pruned, the best kept.

Pruning is the only shortcut: after ``screen_iter`` cheap L-BFGS iterations the starts are ranked by
objective and only the best ``keep_fraction`` (at least ``keep_min``) run to convergence with the full
engine (Newton-IRLS, then L-BFGS). ``keep_fraction=1`` runs every start to the end.
"""

from __future__ import annotations

import numpy as np

from ..errors import FitError
from ..laws.base import Inputs, Law
from .engine import minimize_fits
from .lbfgs import minimize_batch
from .limits import check_fit_size
from .objectives import Objective
from .result import FitResult


def fit_multistart(
    law: Law,
    objective: Objective,
    X: Inputs,
    y: np.ndarray,
    starts: np.ndarray,
    *,
    weights: np.ndarray | None = None,
    screen_iter: int = 10,
    keep_fraction: float = 0.02,
    keep_min: int = 32,
    gtol: float = 1e-10,
    ftol: float = 1e-14,
    max_iter: int = 3000,
) -> FitResult:
    """Fit ``law`` by ``objective`` from every row of ``starts`` and return the best optimum."""
    y = np.asarray(y, dtype=float)
    w = np.ones_like(y) if weights is None else np.asarray(weights, dtype=float)
    starts = np.atleast_2d(np.asarray(starts, dtype=float))
    check_fit_size(len(y), starts.shape[0], starts.shape[1])
    if starts.shape[1] != law.n_params:
        raise FitError(f"starts have {starts.shape[1]} columns, law '{law.name}' has {law.n_params} parameters")

    def fun_grad(theta: np.ndarray, rows: np.ndarray):
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            f, g = objective.value_grad(law, theta, X, y, w)
        return f, g

    K = starts.shape[0]
    origin = np.arange(K)
    x = starts
    n_keep = max(keep_min, int(np.ceil(keep_fraction * K)))
    iters = np.zeros(K, dtype=int)
    if n_keep < K:
        screen = minimize_batch(fun_grad, x, max_iter=screen_iter, gtol=gtol, ftol=ftol)
        order = np.argsort(np.where(np.isfinite(screen.fun), screen.fun, np.inf), kind="stable")[:n_keep]
        x, origin, iters = screen.x[order], origin[order], screen.n_iter[order]
    res = minimize_fits(law, objective, X, y, w, x, lbfgs_iter=max_iter, gtol=gtol, ftol=ftol)
    finite = np.isfinite(res.fun)
    if not finite.any():
        raise FitError(f"law '{law.name}': the objective is not finite from any of {K} starts")
    fun = np.where(finite, res.fun, np.inf)
    best = int(np.argmin(fun))
    tol = 1e-8 * max(abs(fun[best]), 1e-300)
    minima, minima_fun = _distinct_minima(res.x[finite], fun[finite])
    return FitResult(
        law=law.name,
        objective=objective.name,
        param_names=law.params,
        theta=res.x[best].copy(),
        fun=float(fun[best]),
        grad=res.grad[best].copy(),
        converged=bool(res.converged[best]),
        n_iter=int(iters[best] + res.n_iter[best]),
        start=starts[origin[best]].copy(),
        n_starts=K,
        n_points=float(w.sum()),
        n_at_best=int((fun - fun[best] <= tol).sum()),
        minima=minima,
        minima_fun=minima_fun,
    )


def _distinct_minima(x: np.ndarray, fun: np.ndarray, max_count: int = 5, rtol: float = 1e-3):
    """Up to ``max_count`` optima that differ from each other by more than ``rtol`` in some parameter (a
    parameter at a face limit, laws/faces.py, equals only the same limit)."""
    order = np.argsort(fun, kind="stable")
    kept: list[int] = []

    def far(i: int, j: int) -> bool:
        same = x[i] == x[j]
        with np.errstate(invalid="ignore"):
            diff = np.where(same, 0.0, np.abs(np.where(same, 0.0, x[i] - x[j])))
        scale = np.maximum(np.abs(np.where(np.isfinite(x[i]), x[i], 0.0)), 1e-3).max()
        return bool(diff.max() / scale > rtol)

    for i in order:
        if all(far(i, j) for j in kept):
            kept.append(i)
        if len(kept) == max_count:
            break
    return x[kept].copy(), fun[kept].copy()
