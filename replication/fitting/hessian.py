"""Hessian of an objective at an optimum, by central differences of its analytic gradient."""

from __future__ import annotations

import numpy as np

from ..laws.base import Inputs, Law
from .objectives import Objective


def objective_hessian(law: Law, objective: Objective, X: Inputs, y: np.ndarray, theta: np.ndarray, weights=None) -> np.ndarray:
    """Symmetrised (p, p) Hessian; all 2p gradient evaluations run in one batched call. A coordinate at an
    infinite limit (an optimum on a face of the law, e.g. E = 0) is held there: its row and column are NaN and the
    rest is the Hessian of the other parameters on the face."""
    theta = np.asarray(theta, dtype=float)
    p = theta.size
    free = np.flatnonzero(np.isfinite(theta))
    q = free.size
    h = 1e-5 * np.maximum(1.0, np.abs(theta[free]))
    pts = np.repeat(theta[None, :], 2 * q, axis=0)
    pts[np.arange(q), free] += h
    pts[q + np.arange(q), free] -= h
    w = np.ones_like(y) if weights is None else weights
    _, g = objective.value_grad(law, pts, X, np.asarray(y, dtype=float), w)
    Hf = (g[:q, free] - g[q:, free]) / (2 * h[:, None])
    H = np.full((p, p), np.nan)
    H[np.ix_(free, free)] = 0.5 * (Hf + Hf.T)
    return H
