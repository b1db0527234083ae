"""Nonparametric bootstrap of a fit: every resample refitted, warm-started, checked for basin jumps.

Each resample is refitted from the point estimate and, where a short screen shows them competitive, from
the next-best distinct local optima the multi-start search found (``max_candidates`` in all; optima whose
predictions are the same at every point, apart only in a vanished term's parameters, count once), and on each
face the law declares (a vanished term, e.g. E = 0, laws/faces.py); the best of these is kept. A resample
whose refit did not converge, or landed far from the bulk of the bootstrap distribution (a different
basin), is refitted again from the full start grid (each start as the point estimate's screen advanced it,
ranked by the resample's objective), and the better optimum is kept. The count of such refits is reported,
and how many resamples lie on each face.

With ``errors`` (digitisation errors of the points, uncertainty/point_errors.py) every replicate also moves each
point uniformly within its errors, on top of its resample (or alone, ``resample=False``), drawn from a stream of its
own so the resamples are the same with and without errors; each replicate is one data set refitted exactly as a
resample is (the same candidates, faces and safeguard), so the two interval kinds differ only by the errors.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..fitting.engine import minimize_fits, rows_of
from ..fitting.multistart import fit_multistart_many
from ..fitting.objectives import Objective
from ..fitting.result import FitResult
from ..laws.base import Inputs, Law
from ..laws.faces import embed, face_law, on_faces
from ..parallel import run_tasks
from ..timing import stage
from .point_errors import KIND_PERTURB, KIND_PERTURB_BOOT, PointErrors, perturbed_data
from .resample import chunk_sizes, perturbation_rng, resample_weights


@dataclass
class BootstrapResult:
    theta: np.ndarray  # (B, p) refitted parameters
    fun: np.ndarray  # (B,)
    converged: np.ndarray  # (B,) bool
    n_grid_refits: int  # resamples refitted from the full grid by the safeguard
    n_basin_changes: int  # resamples whose best optimum came from a start other than the point estimate
    seed: int
    faces: dict = field(default_factory=dict)  # per face parameter, resamples whose optimum lies on that face
    description: str = (
        "nonparametric bootstrap over data points (resampled with replacement, each resample refitted); "
        "captures the sampling variability of the points given the protocol, not variability across training runs"
    )

    @property
    def n(self) -> int:
        return self.theta.shape[0]


SCREEN_NEWTON = 3  # Newton iterations an alternative start gets before it must look competitive
SCREEN_MARGIN = 1e-2  # ... within this relative distance of the point-estimate start's optimum
FACE_CANDIDATE = 0.5  # a face is tried where the face parameter's |d log f / d parameter| is below this everywhere


def _screened_refits(law, objective, X, y, W, starts, best, gtol, ftol):
    """Refit each row of W from each of its ``starts`` (size, c, p) with a short screen: a start runs to
    convergence only where, after SCREEN_NEWTON iterations, it is within SCREEN_MARGIN of ``best`` (size,).
    Returns the objective (size, c) (inf where screened out), parameters (size, c, p), convergence (size, c).
    Inputs and targets per row (size, n) are repeated per start like the weights."""
    size, c, p = starts.shape
    fun = np.full((size, c), np.inf)
    theta = np.zeros((size, c, p))
    conv = np.zeros((size, c), dtype=bool)
    Xrep, yrep, Wrep = rows_of(X, y, W, np.repeat(np.arange(size), c))
    x0 = starts.reshape(size * c, p)
    screen = minimize_fits(law, objective, Xrep, yrep, Wrep, x0, newton_iter=SCREEN_NEWTON, lbfgs_iter=0, gtol=gtol,
                           ftol=ftol)
    f_screen = np.where(np.isfinite(screen.fun), screen.fun, np.inf).reshape(size, c)
    promising = np.flatnonzero((f_screen <= best[:, None] + SCREEN_MARGIN * np.abs(best[:, None])).ravel())
    if promising.size:
        more = minimize_fits(law, objective, *rows_of(Xrep, yrep, Wrep, promising), screen.x[promising], gtol=gtol,
                             ftol=ftol)
        rows, cols = np.divmod(promising, c)
        fun[rows, cols] = np.where(np.isfinite(more.fun), more.fun, np.inf)
        theta[rows, cols] = more.x
        conv[rows, cols] = more.converged
    return fun, theta, conv


def _chunk_data(law, objective, X, y, errors, resample, size, seed, index, n_chunks, groups):
    """One chunk's weights (size, n) (resamples, or ones without ``resample``) and its data: the points themselves,
    or with ``errors`` one perturbed data set per replicate (arrays (size, n)) from the chunk's perturbation stream."""
    n = y.shape[0]
    W = resample_weights(n, size, seed, index, n_chunks, groups) if resample else np.ones((size, n))
    if errors is None:
        return W, X, y
    Xc, yc = perturbed_data(X, y, errors, size, perturbation_rng(seed, index, n_chunks), law.positive_inputs,
                            objective.space == "log")
    return W, Xc, yc


def _refit_chunk(law, objective, X, y, candidates, grid, size, seed, index, n_chunks, gtol, ftol, groups=None,
                 errors=None, resample=True):
    """Refit one chunk of resamples: fully from the point estimate, and from the other candidates and on the
    law's faces only where a short screen shows them competitive (within SCREEN_MARGIN of that optimum after
    SCREEN_NEWTON iterations). Returns the weights and the data (perturbed per replicate with ``errors``), the best
    parameters, objective and convergence per resample, how many came from a candidate other than the point
    estimate, and per face how many lie on it."""
    W, X, y = _chunk_data(law, objective, X, y, errors, resample, size, seed, index, n_chunks, groups)
    first = minimize_fits(law, objective, X, y, W, np.tile(candidates[0], (size, 1)), gtol=gtol, ftol=ftol)
    best = np.where(np.isfinite(first.fun), first.fun, np.inf)
    theta, conv = first.x.copy(), first.converged.copy()
    changes = 0
    if candidates.shape[0] > 1:
        others = np.broadcast_to(candidates[1:], (size,) + candidates[1:].shape)
        fun, th, cv = _screened_refits(law, objective, X, y, W, others, best, gtol, ftol)
        pick = np.argmin(fun, axis=1)
        at = np.arange(size)
        better = fun[at, pick] < best
        theta[better], best[better], conv[better] = th[at, pick][better], fun[at, pick][better], cv[at, pick][better]
        changes = int(better.sum())
    for param, limit in law.faces:
        # a resample is refitted on a face, in full, where its face parameter already matters little (|d log f /
        # d parameter| below FACE_CANDIDATE at every point: for a log-coefficient, the term is below half of the
        # prediction everywhere), warm-started at its refit with that parameter at its limit. A short screen cannot
        # judge these starts (removing a term moves the objective a lot at first), and refits that drifted towards
        # the face stop anywhere along it.
        j = law.params.index(param)
        off = np.flatnonzero(theta[:, j] != limit)
        if off.size:
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                _, jac = law.log_jacobian(theta[off], rows_of(X, y, W, off)[0])
            off = off[np.abs(jac[..., j]).max(axis=1) < FACE_CANDIDATE]
        if off.size == 0:
            continue
        on = minimize_fits(face_law(law, param), objective, *rows_of(X, y, W, off), np.delete(theta[off], j, axis=1),
                           gtol=gtol, ftol=ftol)
        take = np.isfinite(on.fun) & (on.fun < best[off])
        rows = off[take]
        theta[rows] = embed(on.x[take], {j: limit})
        best[rows], conv[rows] = on.fun[take], on.converged[take]
    faces = {param: int(n) for (param, _), n in zip(law.faces, on_faces(law, theta).sum(axis=0))}
    return (W, X, y) if errors is not None else (W, None, None), theta, best, conv, changes, faces


SAME_FIT = 1e-10  # two optima whose predictions agree to this relative difference at every point are one fit


def _distinct_fits(law: Law, X: Inputs, point: FitResult, max_candidates: int) -> np.ndarray:
    """The starts every resample is refitted from: the point estimate and the next-best distinct optima of its
    multi-start, ``max_candidates`` in all, less any whose predictions equal those of one before it (optima apart
    only in the parameters of a term that has vanished are one fit: the screen would refit the same fit twice)."""
    minima = point.minima[:max_candidates] if point.minima.size else point.theta[None, :]
    if not np.allclose(minima[0], point.theta):
        minima = np.vstack([point.theta, minima])[:max_candidates]
    if minima.shape[0] == 1:
        return minima
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        logf = law.log_predict(minima, X)
        kept = [0]
        for i in range(1, minima.shape[0]):
            if all(not (np.abs(np.expm1(logf[i] - logf[j])) <= SAME_FIT).all() for j in kept):
                kept.append(i)
    return minima[kept]


SAFEGUARD_BATCH = 16  # suspect resamples refitted from the grid together (fixed, so results never depend on n_jobs)


def _grid_refits(law, objective, X, y, weights, starts, screen_iter, gtol, ftol) -> list[FitResult]:
    """The safeguard's refits of a batch of resamples (rows of ``weights``, with their own data where the inputs and
    targets are per row), each from the full start grid."""
    return fit_multistart_many(law, objective, X, y, starts, weights, screen_iter=screen_iter, gtol=gtol, ftol=ftol)


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
    inline: bool = False,
    errors: PointErrors | None = None,
    resample: bool = True,
) -> BootstrapResult:
    """Refit ``n_boot`` resamples (of points, or of whole clusters ``groups`` named ``unit``); identical for any
    ``n_jobs`` and backend (``inline``: all in this process, for a bootstrap that is itself one task). With
    ``errors`` each replicate's points are also moved within their digitisation errors, on top of the resample or
    (``resample=False``) alone; the resamples are those of the same seed without errors."""
    y = np.asarray(y, dtype=float)
    candidates = _distinct_fits(law, X, point, max_candidates)
    sizes = chunk_sizes(n_boot)
    with stage("bootstrap"):
        parts = run_tasks(_refit_chunk, [(law, objective, X, y, candidates, starts, s, seed, i, len(sizes), gtol, ftol,
                                          groups, errors, resample)
                                         for i, s in enumerate(sizes)], n_jobs, label="bootstrap chunks", inline=inline)
    W = np.vstack([p[0][0] for p in parts])
    if errors is not None:  # each replicate's own points, for its safeguard refit
        X = {k: np.vstack([p[0][1][k] for p in parts]) for k in X}
        y = np.vstack([p[0][2] for p in parts])
    theta = np.vstack([p[1] for p in parts])
    fun = np.concatenate([p[2] for p in parts])
    conv = np.concatenate([p[3] for p in parts])
    changes = sum(p[4] for p in parts)
    faces = {param: sum(p[5][param] for p in parts) for param, _ in law.faces}
    # Safeguard: resamples far from the bulk (robust z-score) or not converged are refitted from the grid. A
    # parameter at its face limit (laws/faces.py) has no finite value to compare and is left out of its score.
    z = _robust_z(theta)
    suspect = np.flatnonzero(~conv | (z.max(axis=1) > outlier_sd) | ~np.isfinite(fun))
    with stage("safeguard refits"):
        # the grid as the point estimate's screen left it (each start advanced a few iterations on all points),
        # ranked by the resample's own objective there: the same starts at a fraction of a fresh screen's cost
        screened = point.screened is not None and point.screened.shape == starts.shape
        grid_starts, screen_iter = (point.screened, 0) if screened else (starts, 10)
        batches = [suspect[i:i + SAFEGUARD_BATCH] for i in range(0, suspect.size, SAFEGUARD_BATCH)]
        parts = run_tasks(_grid_refits, [(law, objective, *rows_of(X, y, W, b), grid_starts, screen_iter, gtol, ftol)
                                         for b in batches], n_jobs, label="safeguard refits", inline=inline)
        refits = [r for part in parts for r in part]
    for b, refit in zip(suspect, refits):
        if refit.fun < fun[b] - 1e-12 * abs(fun[b]) or not conv[b]:
            theta[b], fun[b], conv[b] = refit.theta, refit.fun, refit.converged
    what = (f"nonparametric bootstrap over {unit} (resampled with replacement, each resample refitted); captures the "
            f"sampling variability of the {unit} given the protocol, not variability across training runs")
    if errors is not None:
        what = (f"{KIND_PERTURB_BOOT} over {unit}: each resample's points moved uniformly within their errors, then "
                "refitted; adds the reading error of the points to their sampling variability" if resample else
                f"{KIND_PERTURB}: the points moved uniformly within their errors, every replicate refitted; the reading "
                "error of the points alone, not their sampling variability")
    return BootstrapResult(theta, fun, conv, int(suspect.size), int(changes), seed, faces, what)


def _robust_z(theta: np.ndarray) -> np.ndarray:
    """|theta - median| / (1.4826 MAD) per column, over the finite entries; 0 where an entry is infinite (a face)."""
    finite = np.isfinite(theta)
    if finite.all():
        med = np.median(theta, axis=0)
        mad = 1.4826 * np.median(np.abs(theta - med), axis=0)
        return np.abs(theta - med) / np.where(mad > 0, mad, np.inf)
    masked = np.where(finite, theta, np.nan)
    with np.errstate(invalid="ignore"):
        med = np.nanmedian(masked, axis=0)
        mad = 1.4826 * np.nanmedian(np.abs(masked - med), axis=0)
        z = np.abs(masked - med) / np.where(mad > 0, mad, np.inf)
    return np.where(np.isinf(theta), 0.0, np.where(np.isnan(z), np.inf, z))
