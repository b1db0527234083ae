"""The minimiser every fit uses: majorise-minimise Newton steps, then an L-BFGS polish, batched.

The Newton stage (IRLS weights, Gauss-Newton curvature) makes fast progress on Huber losses whose
quadratic zone is tiny, where quasi-Newton methods alone stall on the kinks; the short L-BFGS stage
then meets the same stopping tests as scipy's L-BFGS-B.
"""

from __future__ import annotations

from dataclasses import fields

import numpy as np

from ..laws.base import Inputs, Law
from .lbfgs import BatchResult, minimize_batch
from .newton import newton_batch
from .objectives import Objective
from ..laws.faces import face_law


FACE_SHARE = 1e-10  # a term whose share of the prediction is below this at every point has vanished
FIT_ELEMENTS = 250_000  # rows x points minimised together: bounds the working memory (rows are independent problems)


def rows_of(X: Inputs, y: np.ndarray, W: np.ndarray, rows: np.ndarray) -> tuple[Inputs, np.ndarray, np.ndarray]:
    """The data of the problems ``rows``: per-row arrays (2-D: one row per problem) taken at those rows, shared ones
    (1-D: the same points for every problem) as they are."""
    return ({k: v[rows] if np.ndim(v) == 2 else v for k, v in X.items()}, y[rows] if np.ndim(y) == 2 else y,
            W[rows] if np.ndim(W) == 2 else W)


def minimize_fits(
    law: Law,
    objective: Objective,
    X: Inputs,
    y: np.ndarray,
    W: np.ndarray,
    x0: np.ndarray,
    *,
    newton_iter: int = 200,
    lbfgs_iter: int = 2000,
    ftol: float = 1e-14,
    gtol: float = 1e-10,
    adapt_damping: bool = True,
) -> BatchResult:
    """Minimise ``objective`` from every row of ``x0``; ``W`` is (n,) shared or (K, n) per row weights, and the input
    columns of ``X`` and the targets ``y`` are likewise (n,) shared or (K, n) per row (one data set per row).

    ``adapt_damping`` (Levenberg-Marquardt damping of the majoriser step, fitting/newton.py) is much faster on
    ridges; False keeps the fixed tiny ridge, the behaviour point estimates are fitted with.

    For a law with faces (laws/faces.py), a row that starts on a face (a face parameter at its limit) is
    minimised on that face, and a row whose face parameter no longer matters after the Newton stage (it has
    moved towards the limit and |d log f / d parameter| is below FACE_SHARE at every point) is polished on
    the face and kept there if that is no worse: the L-BFGS stage would otherwise crawl along the face
    direction for hundreds of iterations without changing the fit.
    """
    x0 = np.atleast_2d(np.asarray(x0, dtype=float))
    W = np.asarray(W, dtype=float)
    K = x0.shape[0]
    block = max(1, FIT_ELEMENTS // max(np.shape(y)[-1], 1))
    if K > block:  # in blocks of rows: each row's numbers are the same as when minimised alone
        parts = [minimize_fits(law, objective, *rows_of(X, y, W, np.arange(lo, min(K, lo + block))), x0[lo:lo + block],
                               newton_iter=newton_iter, lbfgs_iter=lbfgs_iter, ftol=ftol, gtol=gtol,
                               adapt_damping=adapt_damping) for lo in range(0, K, block)]
        return BatchResult(*(np.concatenate([getattr(r, f.name) for r in parts]) for f in fields(BatchResult)))
    if not law.faces:
        return _minimize(law, objective, X, y, W, x0, newton_iter, lbfgs_iter, ftol, gtol, adapt_damping)
    idx = [law.params.index(p) for p, _ in law.faces]
    limits = np.array([v for _, v in law.faces])
    out = BatchResult(x0.copy(), np.full(K, np.inf), np.zeros_like(x0), np.zeros(K, dtype=int),
                      np.zeros(K, dtype=bool), np.full(K, 2))
    # 1. the Newton stage, per pattern of faces the rows start on
    first = _by_face(law, objective, X, y, W, x0, idx, limits, newton_iter, 0, ftol, gtol, adapt_damping)
    if lbfgs_iter == 0:
        return first
    # 2. rows whose face parameters stopped mattering move onto those faces for the polish
    x1 = first.x.copy()
    free_face = np.isfinite(x1[:, idx])
    rows = np.flatnonzero(free_face.any(axis=1) & np.isfinite(first.fun))
    if rows.size:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            _, jac = law.log_jacobian(first.x[rows], rows_of(X, y, W, rows)[0])
        flat = np.abs(jac[..., idx]).max(axis=1) < FACE_SHARE  # (for a log-coefficient: the term's share)
        towards = np.sign(x1[np.ix_(rows, idx)]) == np.sign(limits)
        vanished = flat & towards & free_face[rows]
        for r, v in zip(rows, vanished):
            x1[r, np.asarray(idx)[v]] = limits[v]
    second = _by_face(law, objective, X, y, W, x1, idx, limits, 0, lbfgs_iter, ftol, gtol)
    moved = np.any((x1[:, idx] == limits) & np.isfinite(first.x[:, idx]), axis=1)
    back = np.flatnonzero(moved & ~(second.fun <= first.fun))
    if back.size:  # the face was worse after all: polish those rows where they were, as without faces
        again = _by_face(law, objective, *rows_of(X, y, W, back), first.x[back], idx, limits, 0, lbfgs_iter, ftol, gtol)
        for name in ("x", "fun", "grad", "n_iter", "converged", "status"):
            getattr(second, name)[back] = getattr(again, name)
    better = second.fun <= first.fun
    out.x[:] = np.where(better[:, None], second.x, first.x)
    out.fun[:] = np.where(better, second.fun, first.fun)
    out.grad[:] = np.where(better[:, None], second.grad, first.grad)
    out.n_iter[:] = first.n_iter + second.n_iter
    out.converged[:] = np.where(better, second.converged, first.converged)
    out.status[:] = np.where(better, second.status, first.status)
    return out


def _by_face(law, objective, X, y, W, x0, idx, limits, newton_iter, lbfgs_iter, ftol, gtol, adapt_damping=True) -> BatchResult:
    """One stage of ``_minimize`` for rows grouped by the faces (entries of ``idx`` at their limits) they lie on."""
    K, p = x0.shape
    on = x0[:, idx] == limits
    res = BatchResult(x0.copy(), np.full(K, np.inf), np.zeros((K, p)), np.zeros(K, dtype=int),
                      np.zeros(K, dtype=bool), np.full(K, 2))
    patterns, which = np.unique(on, axis=0, return_inverse=True)
    for k, pattern in enumerate(patterns):
        rows = np.flatnonzero(which.ravel() == k)
        held = [j for j, h in zip(idx, pattern) if h]
        free = [j for j in range(p) if j not in held]
        Xk, yk, Wk = rows_of(X, y, W, rows)
        if not free:  # every parameter at a limit: nothing to minimise
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                res.fun[rows] = objective.value(law, x0[rows], Xk, yk, Wk)
            res.converged[rows], res.status[rows] = True, 0
            continue
        sub_law = face_law(law, tuple(law.params[j] for j in held)) if held else law
        r = _minimize(sub_law, objective, Xk, yk, Wk, x0[rows][:, free], newton_iter, lbfgs_iter, ftol, gtol, adapt_damping)
        res.x[np.ix_(rows, free)] = r.x
        res.grad[np.ix_(rows, free)] = r.grad
        res.fun[rows], res.n_iter[rows], res.converged[rows], res.status[rows] = r.fun, r.n_iter, r.converged, r.status
    return res


def _minimize(law, objective, X, y, W, x0, newton_iter, lbfgs_iter, ftol, gtol, adapt_damping) -> BatchResult:
    """Newton-IRLS then L-BFGS from every row of ``x0`` (either stage skipped with 0 iterations)."""

    def fgc(theta, rows):
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            return objective.value_grad_curvature(law, theta, *rows_of(X, y, W, rows))

    def fg(theta, rows):
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            return objective.value_grad(law, theta, *rows_of(X, y, W, rows))

    def fv(theta, rows):
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            return objective.value(law, theta, *rows_of(X, y, W, rows))

    if newton_iter == 0:
        return minimize_batch(fg, x0, max_iter=lbfgs_iter, ftol=ftol, gtol=gtol)
    first = newton_batch(fgc, x0, max_iter=newton_iter, ftol=ftol, gtol=gtol, adapt_damping=adapt_damping, value=fv)
    if lbfgs_iter == 0:
        return first
    second = minimize_batch(fg, first.x, max_iter=lbfgs_iter, ftol=ftol, gtol=gtol)
    better = second.fun <= first.fun
    return BatchResult(
        np.where(better[:, None], second.x, first.x),
        np.where(better, second.fun, first.fun),
        np.where(better[:, None], second.grad, first.grad),
        first.n_iter + second.n_iter,
        np.where(better, second.converged, first.converged),
        np.where(better, second.status, first.status),
    )
