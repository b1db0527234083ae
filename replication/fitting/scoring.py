"""Scoring a fit on held-out points: the errors of the extrapolation check and of grouped fits, and the one
fit-then-score step both run."""

from __future__ import annotations

import numpy as np

from ..laws.base import Law
from .multistart import fit_multistart
from .objectives import Objective
from .result import FitResult


# the held-out errors every score gives, in words (also the errors a comparison of fits may be judged by)
ERRORS = {"rmse_log": "RMSE of log loss", "are": "mean absolute relative error", "max_are": "largest relative error"}


def extrapolation_errors(observed: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    """The ERRORS: absolute relative error mean |y - y_hat| / y, its maximum, and the RMSE of log y."""
    y, yh = np.asarray(observed, dtype=float), np.asarray(predicted, dtype=float)
    if y.size == 0:
        return {"are": float("nan"), "max_are": float("nan"), "rmse_log": float("nan")}
    rel = np.abs(y - yh) / y
    return {
        "are": float(rel.mean()),
        "max_are": float(rel.max()),
        "rmse_log": float(np.sqrt(np.mean((np.log(y) - np.log(yh)) ** 2))),
    }


def fit_and_score(law: Law, objective: Objective, starts: np.ndarray, X_fit: dict, y_fit: np.ndarray,
                  X_held: dict, y_held: np.ndarray, **fit_options) -> dict:
    """Fit on (X_fit, y_fit), predict the held-out rows; fit summary, held-out errors and in-sample errors.

    The extrapolation check of ``Audit.fit`` goes through here, and every group of ``fit_groups`` through its
    scoring half, ``score_fit`` (the groups are fitted together). Keys: converged,
    objective, n_iter, are, max_are, rmse_log (held out), in_sample_are, in_sample_rmse_log, param_<name>, and
    ``_theta`` (the fitted parameters) and ``_predicted`` (held-out predictions) for the caller.
    """
    return score_fit(law, fit_multistart(law, objective, X_fit, y_fit, starts, **fit_options), X_fit, y_fit, X_held,
                     y_held)


def score_fit(law: Law, res: FitResult, X_fit: dict, y_fit: np.ndarray, X_held: dict, y_held: np.ndarray) -> dict:
    """The row of fit_and_score for a fit already made (``res``, fitted on X_fit, y_fit)."""
    pred_fit = law.predict(res.theta, X_fit)
    pred_held = law.predict(res.theta, X_held)
    row = {"converged": bool(res.converged), "objective": float(res.fun), "n_iter": int(res.n_iter)}
    row.update(extrapolation_errors(y_held, pred_held))
    in_sample = extrapolation_errors(y_fit, pred_fit)
    row["in_sample_are"], row["in_sample_rmse_log"] = in_sample["are"], in_sample["rmse_log"]
    row.update({f"param_{k}": float(v) for k, v in zip(law.params, res.theta)})
    row["_theta"], row["_predicted"] = res.theta, pred_held
    return row
