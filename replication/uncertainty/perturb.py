"""Perturbation resampling within digitisation error: each replicate moves every point's inputs and target
uniformly within their recorded errors (half-widths), alone or on top of a bootstrap resample of the points, and
refits from the point estimate.

This puts the uncertainty of reading the points off a figure into the intervals; it does not capture sampling
variability of the runs unless combined with the bootstrap.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..fitting.engine import minimize_fits
from ..fitting.objectives import Objective
from ..fitting.result import FitResult
from ..laws.base import Inputs, Law

KIND_PERTURB = "perturbation within digitisation error"
KIND_PERTURB_BOOT = "perturbation within digitisation error with the point bootstrap"


@dataclass
class PerturbationResult:
    theta: np.ndarray  # (B, p) refitted parameters
    fun: np.ndarray  # (B,)
    converged: np.ndarray  # (B,) bool
    seed: int
    with_bootstrap: bool

    @property
    def description(self) -> str:
        """The interval kind these replicates give."""
        return KIND_PERTURB_BOOT if self.with_bootstrap else KIND_PERTURB


def perturbed(values: np.ndarray, errors: np.ndarray | None, rng: np.random.Generator, positive: bool) -> np.ndarray:
    """``values`` moved uniformly within +-``errors``; positive values stay positive (at least a tenth of themselves)."""
    values = np.asarray(values, dtype=float)
    if errors is None:
        return values.copy()
    errors = np.nan_to_num(np.abs(np.asarray(errors, dtype=float)), nan=0.0)
    out = values + rng.uniform(-1.0, 1.0, size=values.shape) * errors
    return np.maximum(out, 0.1 * values) if positive else out


def perturbation_refits(law: Law, objective: Objective, X: Inputs, y: np.ndarray, point: FitResult, *,
                        x_errors: dict[str, np.ndarray], y_error: np.ndarray | None, n: int, seed: int,
                        with_bootstrap: bool = False, gtol: float = 1e-10, ftol: float = 1e-14) -> PerturbationResult:
    """Refit ``n`` perturbed replicates (optionally bootstrap-resampled too) from the point estimate.

    The perturbations and the resamples come from separate streams of ``seed``: the same seed gives the same
    resamples with or without errors, so comparing the two isolates what the digitisation error adds."""
    perturb_seq, boot_seq = np.random.SeedSequence(seed).spawn(2)
    rng, boot_rng = np.random.default_rng(perturb_seq), np.random.default_rng(boot_seq)
    y = np.asarray(y, dtype=float)
    n_pts = y.shape[0]
    positive = set(law.positive_inputs)
    theta = np.empty((n, point.theta.size))
    fun = np.empty(n)
    conv = np.zeros(n, dtype=bool)
    start = np.asarray(point.theta, dtype=float)[None, :]
    for b in range(n):
        Xb = {k: perturbed(v, x_errors.get(k), rng, k in positive) for k, v in X.items()}
        yb = perturbed(y, y_error, rng, objective.space == "log")
        if with_bootstrap:
            W = np.bincount(boot_rng.integers(0, n_pts, size=n_pts), minlength=n_pts).astype(float)
        else:
            W = np.ones(n_pts)
        res = minimize_fits(law, objective, Xb, yb, W, start, gtol=gtol, ftol=ftol)
        theta[b], fun[b], conv[b] = res.x[0], res.fun[0], bool(res.converged[0])
    return PerturbationResult(theta=theta, fun=fun, converged=conv, seed=seed, with_bootstrap=with_bootstrap)
