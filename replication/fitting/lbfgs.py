"""A batched L-BFGS minimiser: many independent small problems advanced together in numpy.

Each row of ``x`` is its own problem (a start of a multi-start search, or a bootstrap resample);
every iteration evaluates all active rows in one vectorised call. Rows stop independently on the
same tests as scipy's L-BFGS-B (relative objective decrease ``ftol``, largest gradient entry
``gtol``), and a step is accepted by Armijo backtracking.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .linesearch import armijo_batch, descent_direction

FunGrad = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


@dataclass
class BatchResult:
    x: np.ndarray  # (K, p) final points
    fun: np.ndarray  # (K,) objective values
    grad: np.ndarray  # (K, p) gradients
    n_iter: np.ndarray  # (K,) iterations taken
    converged: np.ndarray  # (K,) bool: met ftol or gtol
    status: np.ndarray  # (K,) 0 converged, 1 iteration limit, 2 line search failed


def minimize_batch(
    fun_grad: FunGrad,
    x0: np.ndarray,
    *,
    max_iter: int = 1000,
    gtol: float = 1e-10,
    ftol: float = 1e-14,
    memory: int = 10,
    max_halvings: int = 60,
    value: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None,
) -> BatchResult:
    """Minimise K independent problems; ``fun_grad(x, rows)`` evaluates the problems listed in ``rows``
    (``value(x, rows)``, the objective alone, judges the line-search trials when given)."""
    x = np.array(x0, dtype=float, copy=True)
    K, p = x.shape
    rows_all = np.arange(K)
    f, g = fun_grad(x, rows_all)
    f = np.where(np.isfinite(f), f, np.inf)
    S = np.zeros((K, memory, p))
    Y = np.zeros((K, memory, p))
    rho = np.zeros((K, memory))
    n_iter = np.zeros(K, dtype=int)
    status = np.ones(K, dtype=int)
    converged = np.abs(g).max(axis=1) <= gtol
    status[converged] = 0
    active = np.flatnonzero(~converged & np.isfinite(f))
    status[~np.isfinite(f)] = 2
    for it in range(max_iter):
        if active.size == 0:
            break
        slot = it % memory
        ga = g[active]
        d = _two_loop(ga, S[active], Y[active], rho[active], slot, memory)
        d, slope, bad = descent_direction(d, ga)
        rho[active[bad]] = 0.0  # restart the memory where the quasi-Newton direction failed
        first = rho[active].sum(axis=1) == 0
        t = np.where(first, np.minimum(1.0, 1.0 / np.maximum(np.abs(ga).sum(1), 1e-300)), 1.0)
        x_new, (f_new, g_new), failed = armijo_batch(fun_grad, x[active], active, d, f[active], slope, t, max_halvings,
                                                     value=value)
        moved = ~failed
        rows = active[moved]
        s = x_new[moved] - x[rows]
        yv = g_new[moved] - g[rows]
        sy = np.einsum("kp,kp->k", s, yv)
        S[rows, slot], Y[rows, slot] = s, yv
        rho[rows, slot] = np.where(sy > 1e-300, 1.0 / np.where(sy > 1e-300, sy, 1.0), 0.0)
        f_old = f[rows]
        x[rows], f[rows], g[rows] = x_new[moved], f_new[moved], g_new[moved]
        n_iter[active] += 1
        rel = (f_old - f[rows]) / np.maximum.reduce([np.abs(f_old), np.abs(f[rows]), np.ones_like(f_old)])
        done = (rel <= ftol) | (np.abs(g[rows]).max(axis=1) <= gtol)
        status[rows[done]] = 0
        status[active[failed]] = 2
        keep = np.zeros(K, dtype=bool)
        keep[rows[~done]] = True
        active = np.flatnonzero(keep)
    return BatchResult(x, f, g, n_iter, status == 0, status)


def _two_loop(g: np.ndarray, S: np.ndarray, Y: np.ndarray, rho: np.ndarray, slot: int, m: int) -> np.ndarray:
    """The L-BFGS two-loop recursion for every row at once; pairs with rho = 0 are skipped."""
    q = g.copy()
    order = [(slot - 1 - i) % m for i in range(m)]  # newest first
    alpha = np.zeros((g.shape[0], m))
    for j in order:
        alpha[:, j] = rho[:, j] * np.einsum("kp,kp->k", S[:, j], q)
        q -= alpha[:, j, None] * Y[:, j]
    newest = order[0]
    sy = np.einsum("kp,kp->k", S[:, newest], Y[:, newest])
    yy = np.einsum("kp,kp->k", Y[:, newest], Y[:, newest])
    usable = (rho[:, newest] > 0) & (yy > 0)
    gamma = np.where(usable, sy / np.where(usable, yy, 1.0), 1.0)
    r = gamma[:, None] * q
    for j in reversed(order):
        beta = rho[:, j] * np.einsum("kp,kp->k", Y[:, j], r)
        r += (alpha[:, j] - beta)[:, None] * S[:, j]
    return -r
