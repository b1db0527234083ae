"""Multi-start fits: every start advanced together, hopeless starts pruned, the best kept.

Pruning is the only shortcut: after ``screen_iter`` cheap L-BFGS iterations the starts are ranked by
objective and only the best ``keep_fraction`` (at least ``keep_min``) run to convergence with the full
engine (Newton-IRLS, then L-BFGS). ``keep_fraction=1`` runs every start to the end.
"""

from __future__ import annotations

import copy
import hashlib
from collections import OrderedDict

import numpy as np

from ..caches import forget_between_papers
from ..errors import FitError
from ..laws.base import Inputs, Law, is_registered
from .engine import minimize_fits, rows_of
from .lbfgs import minimize_batch
from .limits import check_fit_size
from .objectives import Objective
from .result import FitResult


CONFIRM_ROUNDS = 3  # at most 2^3 times the kept starts run to confirm an optimum reached only once
SCREEN_ELEMENTS = 250_000  # rows x points evaluated together in the screen (bounds its memory)
MEMO_SIZE = 32  # point estimates remembered per process (a script may declare the same fit twice)
_memo: OrderedDict[str, FitResult] = OrderedDict()
forget_between_papers(_memo.clear)


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
    confirm: bool = True,
    adapt_damping: bool = False,
) -> FitResult:
    """Fit ``law`` by ``objective`` from every row of ``starts`` and return the best optimum.

    A point estimate: the Newton stage's majoriser step undamped (the engine's reference behaviour), and an
    optimum reached from one start only confirmed by running more of the ranked starts (``confirm``).

    The same fit asked for again in this process (the same registered law, criterion, data, starts and options,
    e.g. an extrapolation refit that a script also declares as a fit of its own) is returned from memory, as a
    copy: deterministic, so the numbers are those a refit would give."""
    w = np.ones(np.shape(y)) if weights is None else np.asarray(weights, dtype=float)
    options = dict(screen_iter=screen_iter, keep_fraction=keep_fraction, keep_min=keep_min, gtol=gtol, ftol=ftol,
                   max_iter=max_iter, confirm=confirm, adapt_damping=adapt_damping)
    key = _memo_key(law, objective, X, y, starts, w, options)
    if key is not None and key in _memo:
        _memo.move_to_end(key)
        return copy.deepcopy(_memo[key])
    result = fit_multistart_many(law, objective, X, y, starts, w[None, :], **options)[0]
    if key is not None:
        _memo[key] = copy.deepcopy(result)
        while len(_memo) > MEMO_SIZE:
            _memo.popitem(last=False)
    return result


def _memo_key(law: Law, objective: Objective, X: Inputs, y, starts, w: np.ndarray, options: dict) -> str | None:
    """A digest of everything a point estimate depends on; None for a law built on the fly (not registered)."""
    if not is_registered(law):
        return None
    h = hashlib.sha256(repr((law.name, objective, sorted(options.items()))).encode())
    for name in sorted(X):
        h.update(name.encode())
        h.update(np.ascontiguousarray(X[name], dtype=float).tobytes())
    for a in (y, starts, w):
        a = np.ascontiguousarray(a, dtype=float)
        h.update(repr(a.shape).encode())
        h.update(a.tobytes())
    return h.hexdigest()


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
    confirm: bool = False,
    adapt_damping: bool = True,
    errors: str = "raise",
) -> list[FitResult | FitError]:
    """One multi-start fit per row of ``weights`` (S, n) (e.g. bootstrap resamples), all advanced together:
    the same result per row as fitting it alone, at the cost of one batch instead of S. The input columns and ``y``
    are (n,), shared, or (S, n), one data set per weighting (points perturbed within their errors). For refits of
    resamples the majoriser step is damped by default (fitting/newton.py), which is much faster on ridges.
    A row with no finite objective from any start raises its FitError, or with ``errors="return"`` has it in its
    place in the list (independent problems batched together: one failing must not stop the rest)."""
    y = np.asarray(y, dtype=float)
    W = np.atleast_2d(np.asarray(weights, dtype=float))
    starts = np.atleast_2d(np.asarray(starts, dtype=float))
    check_fit_size(y.shape[-1], starts.shape[0], starts.shape[1])
    if starts.shape[1] != law.n_params:
        raise FitError(f"starts have {starts.shape[1]} columns, law '{law.name}' has {law.n_params} parameters")
    S, K = W.shape[0], starts.shape[0]
    n_keep = min(K, max(keep_min, int(np.ceil(keep_fraction * K))))
    shared = W[0] if S == 1 else None  # one weighting: evaluated with shared weights, as a single fit

    def data(which: np.ndarray):
        """Inputs and targets of the rows whose weightings are ``which`` (shared data as it is)."""
        return ({k: v[which] if np.ndim(v) == 2 else v for k, v in X.items()}, y[which] if y.ndim == 2 else y)

    def fun_grad_for(Wrows: np.ndarray, Xrows, yrows):
        Wrows = shared if shared is not None else Wrows

        def fun_grad(theta: np.ndarray, rows: np.ndarray):
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                return objective.value_grad(law, theta, *rows_of(Xrows, yrows, Wrows, rows))
        return fun_grad

    origin = np.tile(np.arange(K), S)
    x = np.tile(starts, (S, 1))
    iters = np.zeros(S * K, dtype=int)
    ranked = np.arange(S * K).reshape(S, K)  # per weighting, its rows of x from the best screened start down
    if n_keep < K:  # screen: a few cheap L-BFGS iterations, then the best n_keep starts of each weighting go on
        # in blocks of rows (weighting s's start k is row s * K + k) of at most SCREEN_ELEMENTS rows x points: the
        # rows are independent problems, so the blocks bound the memory without changing a number
        block = max(1, SCREEN_ELEMENTS // max(y.shape[-1], 1))
        f = np.empty(S * K)
        for lo in range(0, S * K, block):
            which = np.arange(lo, min(S * K, lo + block)) // K
            screen = minimize_batch(fun_grad_for(W[which], *data(which)), x[lo:lo + which.size], max_iter=screen_iter,
                                    gtol=gtol, ftol=ftol)
            f[lo:lo + which.size] = np.where(np.isfinite(screen.fun), screen.fun, np.inf)
            x[lo:lo + which.size], iters[lo:lo + which.size] = screen.x, screen.n_iter
        ranked = np.arange(S)[:, None] * K + np.argsort(f.reshape(S, K), axis=1, kind="stable")
    screened = x.reshape(S, K, -1).copy()

    def run(rows: np.ndarray, Wrun: np.ndarray | None):
        Xrun = {k: v[rows // K] if np.ndim(v) == 2 else v for k, v in X.items()}  # row s * K + k: weighting s's data
        yrun = y[rows // K] if y.ndim == 2 else y
        return minimize_fits(law, objective, Xrun, yrun, shared if shared is not None else Wrun, x[rows],
                             lbfgs_iter=max_iter, gtol=gtol, ftol=ftol, adapt_damping=adapt_damping)

    first = ranked[:, :n_keep]
    res = run(first.ravel(), np.repeat(W, n_keep, axis=0))
    out = []
    for s in range(S):
        part = slice(s * n_keep, (s + 1) * n_keep)
        runs = [(first[s], res.x[part], res.fun[part], res.grad[part], res.converged[part], res.n_iter[part])]
        m = n_keep
        # confirmation: an optimum reached from a single start is not trusted yet; the next-ranked starts run too
        # (as many again each round) until a second start reaches it, CONFIRM_ROUNDS doublings have run, or every
        # start has. The kept set only grows along the same ranking, so this can only lower the optimum.
        limit = min(K, n_keep << CONFIRM_ROUNDS)
        while confirm and m < limit and _n_at_best(np.concatenate([r[2] for r in runs])) < 2:
            more = ranked[s, m:min(limit, 2 * m)]
            r = run(more, np.repeat(W[s:s + 1], more.size, axis=0))
            runs.append((more, r.x, r.fun, r.grad, r.converged, r.n_iter))
            m += more.size
        rows, xs, fs, gs, cs, ns = (np.concatenate(v) for v in zip(*runs))
        try:
            out.append(_best(law, objective, starts, xs, fs, gs, cs, iters[rows] + ns, origin[rows], float(W[s].sum()),
                             screened[s]))
        except FitError as exc:
            if errors != "return":
                raise
            out.append(exc)
    return out


def _n_at_best(fun: np.ndarray) -> int:
    """How many runs ended within a relative 1e-8 of the best objective among them."""
    fun = np.where(np.isfinite(fun), fun, np.inf)
    best = fun.min()
    return int((fun - best <= 1e-8 * max(abs(best), 1e-300)).sum()) if np.isfinite(best) else 0


def _best(law, objective, starts, x, fun, grad, converged, n_iter, origin, n_points, screened) -> FitResult:
    """The FitResult of one multi-start: the best of its runs and its distinct local optima."""
    finite = np.isfinite(fun)
    if not finite.any():
        raise FitError(f"law '{law.name}': the objective is not finite from any of {starts.shape[0]} starts")
    fun = np.where(finite, fun, np.inf)
    best = int(np.argmin(fun))
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
        n_at_best=_n_at_best(fun),
        minima=minima,
        minima_fun=minima_fun,
        screened=screened,
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
