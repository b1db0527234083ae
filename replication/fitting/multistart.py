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


SCREEN_ELEMENTS = 2_000_000  # rows x points evaluated together in the screen of a batch of weightings


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
    w = np.ones(np.shape(y)) if weights is None else np.asarray(weights, dtype=float)
    return fit_multistart_many(law, objective, X, y, starts, w[None, :], screen_iter=screen_iter,
                               keep_fraction=keep_fraction, keep_min=keep_min, gtol=gtol, ftol=ftol,
                               max_iter=max_iter)[0]


def fit_multistart_many(
    law: Law,
    objective: Objective,
    X: Inputs,
    y: np.ndarray,
    starts: np.ndarray,
    weights: np.ndarray,
    *,
    screen_iter: int = 10,
    keep_fraction: float = 0.02,
    keep_min: int = 32,
    gtol: float = 1e-10,
    ftol: float = 1e-14,
    max_iter: int = 3000,
) -> list[FitResult]:
    """One multi-start fit per row of ``weights`` (S, n) (e.g. bootstrap resamples), all advanced together:
    the same result per row as fitting it alone, at the cost of one batch instead of S."""
    y = np.asarray(y, dtype=float)
    W = np.atleast_2d(np.asarray(weights, dtype=float))
    starts = np.atleast_2d(np.asarray(starts, dtype=float))
    check_fit_size(len(y), starts.shape[0], starts.shape[1])
    if starts.shape[1] != law.n_params:
        raise FitError(f"starts have {starts.shape[1]} columns, law '{law.name}' has {law.n_params} parameters")
    S, K = W.shape[0], starts.shape[0]
    n_keep = min(K, max(keep_min, int(np.ceil(keep_fraction * K))))
    shared = W[0] if S == 1 else None  # one weighting: evaluated with shared weights, as a single fit

    def fun_grad_for(Wrows: np.ndarray):
        def fun_grad(theta: np.ndarray, rows: np.ndarray):
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                return objective.value_grad(law, theta, X, y, shared if shared is not None else Wrows[rows])
        return fun_grad

    origin = np.tile(np.arange(K), S)
    x = np.tile(starts, (S, 1))
    iters = np.zeros(S * K, dtype=int)
    if n_keep < K:  # screen: a few cheap L-BFGS iterations, then the best n_keep starts of each weighting go on
        per = max(1, SCREEN_ELEMENTS // (K * max(len(y), 1)))
        keep = []
        for lo in range(0, S, per):
            hi = min(S, lo + per)
            screen = minimize_batch(fun_grad_for(np.repeat(W[lo:hi], K, axis=0)), x[lo * K:hi * K],
                                    max_iter=screen_iter, gtol=gtol, ftol=ftol)
            f = np.where(np.isfinite(screen.fun), screen.fun, np.inf).reshape(hi - lo, K)
            x[lo * K:hi * K], iters[lo * K:hi * K] = screen.x, screen.n_iter
            keep += [(lo + s) * K + np.argsort(f[s], kind="stable")[:n_keep] for s in range(hi - lo)]
        keep = np.concatenate(keep)
        x, origin, iters = x[keep], origin[keep], iters[keep]
    res = minimize_fits(law, objective, X, y, shared if shared is not None else np.repeat(W, n_keep, axis=0), x,
                        lbfgs_iter=max_iter, gtol=gtol, ftol=ftol)
    out = []
    for s in range(S):
        rows = slice(s * n_keep, (s + 1) * n_keep)
        out.append(_best(law, objective, starts, res.x[rows], res.fun[rows], res.grad[rows], res.converged[rows],
                         iters[rows] + res.n_iter[rows], origin[rows], float(W[s].sum())))
    return out


def _best(law, objective, starts, x, fun, grad, converged, n_iter, origin, n_points) -> FitResult:
    """The FitResult of one multi-start: the best of its runs and its distinct local optima."""
    finite = np.isfinite(fun)
    if not finite.any():
        raise FitError(f"law '{law.name}': the objective is not finite from any of {starts.shape[0]} starts")
    fun = np.where(finite, fun, np.inf)
    best = int(np.argmin(fun))
    tol = 1e-8 * max(abs(fun[best]), 1e-300)
    minima, minima_fun = _distinct_minima(x[finite], fun[finite])
    return FitResult(
        law=law.name,
        objective=objective.name,
        param_names=law.params,
        theta=x[best].copy(),
        fun=float(fun[best]),
        grad=grad[best].copy(),
        converged=bool(converged[best]),
        n_iter=int(n_iter[best]),
        start=starts[origin[best]].copy(),
        n_starts=starts.shape[0],
        n_points=n_points,
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
