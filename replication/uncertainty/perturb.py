"""Perturbation resampling within digitisation error as an interval kind: each replicate moves every point's inputs
and target uniformly within their recorded errors (half-widths), alone or on top of a bootstrap resample of the
points, and is refitted by the suite's bootstrap (uncertainty/bootstrap.py: the same starts, candidates, faces and
safeguard as an ordinary resample).

This puts the uncertainty of reading the points off a figure into the intervals; it does not capture sampling
variability of the runs unless combined with the bootstrap.
"""

from __future__ import annotations

import numpy as np

from ..fitting.objectives import Objective
from ..fitting.result import FitResult
from ..laws.base import Inputs, Law
from .bootstrap import BootstrapResult, bootstrap_fit
from .point_errors import KIND_PERTURB, KIND_PERTURB_BOOT, PointErrors

__all__ = ["KIND_PERTURB", "KIND_PERTURB_BOOT", "perturbation_refits"]


def perturbation_refits(law: Law, objective: Objective, X: Inputs, y: np.ndarray, point: FitResult,
                        starts: np.ndarray, *, errors: PointErrors | None, n: int, seed: int,
                        with_bootstrap: bool = False, n_jobs: int = 1) -> BootstrapResult:
    """``n`` replicates of the points moved within ``errors`` (optionally bootstrap-resampled too), refitted.

    The perturbations and the resamples come from separate streams of ``seed``: the same seed gives the same
    resamples with or without errors (``errors=None`` with ``with_bootstrap``: the plain bootstrap), so comparing
    the two isolates what the digitisation error adds."""
    return bootstrap_fit(law, objective, X, y, point, starts, n_boot=n, seed=seed, n_jobs=n_jobs, errors=errors,
                         resample=with_bootstrap or errors is None)
