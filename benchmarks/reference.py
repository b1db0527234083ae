"""The straightforward implementation the engine is measured against.

One scipy.optimize.minimize (L-BFGS-B, numerical gradients) per start, the best kept; a bootstrap
as a plain loop over resamples, each refitted from the point estimate. It shares no code with the
engine beyond the law's prediction, so an agreement between the two is evidence about both.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize

from replication.fitting.objectives import Objective
from replication.laws.base import Inputs, Law

OPTIONS: dict = {}  # scipy's defaults, as the published fitting code uses them
TIGHT = {"maxiter": 15000, "maxfun": 150000, "ftol": 1e-15, "gtol": 1e-12}  # run to machine precision


def objective_value(theta: np.ndarray, law: Law, objective: Objective, X: Inputs, y: np.ndarray, w: np.ndarray) -> float:
    """The criterion at one parameter vector, written out directly (Huber or squared residuals)."""
    logf = law.log_predict(np.asarray(theta, dtype=float)[None, :], X)[0]
    r = np.log(y) - logf if objective.space == "log" else y - np.exp(logf)
    if not np.all(np.isfinite(r)):
        return np.inf
    if objective.name == "huber":
        a, d = np.abs(r), objective.delta
        return float(np.sum(w * np.where(a <= d, 0.5 * r * r, d * (a - 0.5 * d))))
    if objective.name == "squared":
        return float(0.5 * np.sum(w * r * r))
    raise ValueError(f"the reference has no objective '{objective.name}'")


def fit_one(law: Law, objective: Objective, X: Inputs, y: np.ndarray, w: np.ndarray, x0: np.ndarray,
            options: dict | None = None):
    """scipy L-BFGS-B from one start with finite-difference gradients: (theta, value, converged)."""
    res = minimize(objective_value, np.asarray(x0, dtype=float), args=(law, objective, X, y, w), method="L-BFGS-B",
                   options=(OPTIONS if options is None else options) or None)
    return res.x, float(res.fun), bool(res.success)


def fit_grid(law: Law, objective: Objective, X: Inputs, y: np.ndarray, starts: np.ndarray, w: np.ndarray | None = None,
             options: dict | None = None):
    """Every start in turn, the best optimum kept: (theta, value)."""
    w = np.ones_like(y, dtype=float) if w is None else w
    best_x, best_f = None, np.inf
    for x0 in starts:
        with np.errstate(all="ignore"):
            x, f, _ = fit_one(law, objective, X, y, w, x0, options)
        if f < best_f:
            best_x, best_f = x, f
    return best_x, best_f


def bootstrap(law: Law, objective: Objective, X: Inputs, y: np.ndarray, theta: np.ndarray, weights: np.ndarray,
              options: dict | None = None):
    """Refit every resample (rows of ``weights``: counts per point) from the point estimate: (thetas, values)."""
    thetas, values = np.empty((weights.shape[0], theta.size)), np.empty(weights.shape[0])
    for b, w in enumerate(weights):
        with np.errstate(all="ignore"):
            thetas[b], values[b], _ = fit_one(law, objective, X, y, w, theta, options)
    return thetas, values
