"""Nonparametric bootstrap of a fit: every resample refitted, warm-started, checked for basin jumps.

Each resample is refitted from the point estimate and, where a short screen shows them competitive, from
the next-best distinct local optima the multi-start search found (``max_candidates`` in all); the best of
these is kept. A resample whose refit did not converge, or
landed far from the bulk of the bootstrap distribution (a different basin), is refitted again
from the full start grid, and the better optimum is kept. The count of such refits is reported.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..fitting.engine import minimize_fits
from ..fitting.multistart import fit_multistart
from ..fitting.objectives import Objective
from ..fitting.result import FitResult
from ..laws.base import Inputs, Law
from ..parallel import run_tasks
from .resample import chunk_sizes, resample_weights


@dataclass
class BootstrapResult:
    theta: np.ndarray  # (B, p) refitted parameters
    fun: np.ndarray  # (B,)
    converged: np.ndarray  # (B,) bool
    n_grid_refits: int  # resamples refitted from the full grid by the safeguard
    n_basin_changes: int  # resamples whose best optimum came from a start other than the point estimate
    seed: int
    description: str = (
        "nonparametric bootstrap over data points (resampled with replacement, each resample refitted); "
        "captures the sampling variability of the points given the protocol, not variability across training runs"
    )

    @property
    def n(self) -> int:
        return self.theta.shape[0]


SCREEN_NEWTON = 3  # Newton iterations an alternative start gets before it must look competitive
SCREEN_MARGIN = 1e-2  # ... within this relative distance of the point-estimate start's optimum


def _refit_chunk(law, objective, X, y, candidates, grid, size, seed, index, n_chunks, gtol, ftol, groups=None):
    """Refit one chunk of resamples: fully from the point estimate, and from the other candidates only where a
    short screen shows them competitive (within SCREEN_MARGIN of that optimum after SCREEN_NEWTON iterations)."""
    W = resample_weights(y.shape[0], size, seed, index, n_chunks, groups)
    c = candidates.shape[0]
    first = minimize_fits(law, objective, X, y, W, np.tile(candidates[0], (size, 1)), gtol=gtol, ftol=ftol)
    fun = np.full((size, c), np.inf)
    theta = np.repeat(first.x[:, None, :], c, axis=1)
    conv = np.repeat(first.converged[:, None], c, axis=1)
    fun[:, 0] = np.where(np.isfinite(first.fun), first.fun, np.inf)
    if c > 1:
        Wrep = np.repeat(W, c - 1, axis=0)
        screen = minimize_fits(law, objective, X, y, Wrep, np.tile(candidates[1:], (size, 1)), newton_iter=SCREEN_NEWTON,
                               lbfgs_iter=0, gtol=gtol, ftol=ftol)
        f_screen = np.where(np.isfinite(screen.fun), screen.fun, np.inf).reshape(size, c - 1)
        promising = np.flatnonzero((f_screen <= fun[:, :1] + SCREEN_MARGIN * np.abs(fun[:, :1])).ravel())
        if promising.size:
            more = minimize_fits(law, objective, X, y, Wrep[promising], screen.x[promising], gtol=gtol, ftol=ftol)
            rows, cols = np.divmod(promising, c - 1)
            fun[rows, cols + 1] = np.where(np.isfinite(more.fun), more.fun, np.inf)
            theta[rows, cols + 1] = more.x
            conv[rows, cols + 1] = more.converged
    pick = np.argmin(fun, axis=1)
    at = np.arange(size)
    return (W, theta[at, pick], fun[at, pick], conv[at, pick], int((pick != 0).sum()))


def _grid_refit(law, objective, X, y, starts, weights, gtol, ftol) -> FitResult:
    """The safeguard's refit of one resample from the full start grid."""
    return fit_multistart(law, objective, X, y, starts, weights=weights, gtol=gtol, ftol=ftol)


def bootstrap_fit(
    law: Law,
    objective: Objective,
    X: Inputs,
    y: np.ndarray,
    point: FitResult,
    starts: np.ndarray,
    *,
    n_boot: int,
    seed: int,
    n_jobs: int = 1,
    outlier_sd: float = 8.0,
    max_candidates: int = 3,
    gtol: float = 1e-10,
    ftol: float = 1e-14,
    groups: np.ndarray | None = None,
    unit: str = "data points",
) -> BootstrapResult:
    """Refit ``n_boot`` resamples (of points, or of whole clusters ``groups`` named ``unit``); identical for any ``n_jobs``."""
    y = np.asarray(y, dtype=float)
    candidates = point.minima[:max_candidates] if point.minima.size else point.theta[None, :]
    if not np.allclose(candidates[0], point.theta):
        candidates = np.vstack([point.theta, candidates])[:max_candidates]
    sizes = chunk_sizes(n_boot)
    parts = run_tasks(_refit_chunk, [(law, objective, X, y, candidates, starts, s, seed, i, len(sizes), gtol, ftol, groups)
                                     for i, s in enumerate(sizes)], n_jobs)
    W = np.vstack([p[0] for p in parts])
    theta = np.vstack([p[1] for p in parts])
    fun = np.concatenate([p[2] for p in parts])
    conv = np.concatenate([p[3] for p in parts])
    changes = sum(p[4] for p in parts)
    # Safeguard: resamples far from the bulk (robust z-score) or not converged are refitted from the grid.
    med = np.median(theta, axis=0)
    mad = 1.4826 * np.median(np.abs(theta - med), axis=0)
    z = np.abs(theta - med) / np.where(mad > 0, mad, np.inf)
    suspect = np.flatnonzero(~conv | (z.max(axis=1) > outlier_sd) | ~np.isfinite(fun))
    refits = run_tasks(_grid_refit, [(law, objective, X, y, starts, W[b], gtol, ftol) for b in suspect], n_jobs)
    for b, refit in zip(suspect, refits):
        if refit.fun < fun[b] - 1e-12 * abs(fun[b]) or not conv[b]:
            theta[b], fun[b], conv[b] = refit.theta, refit.fun, refit.converged
    what = (f"nonparametric bootstrap over {unit} (resampled with replacement, each resample refitted); captures the "
            f"sampling variability of the {unit} given the protocol, not variability across training runs")
    return BootstrapResult(theta, fun, conv, int(suspect.size), int(changes), seed, what)
