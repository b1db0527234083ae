"""A log-linear trend, y = a + b log10 x: a linear gain in y for every tenfold increase of x (Udandarao et al. 2024,
zero-shot accuracy against pretraining concept frequency). Defined where a + b log10 x > 0."""

from __future__ import annotations

import numpy as np

from .base import Inputs, Law, column, register


def _terms(theta: np.ndarray, X: Inputs):
    u = np.log10(column(X, "x"))
    with np.errstate(invalid="ignore", divide="ignore"):
        f = theta[:, :1] + theta[:, 1:2] * u
        return u, f, np.where(f > 0, np.log(np.where(f > 0, f, 1.0)), np.nan)


def _log(theta: np.ndarray, X: Inputs) -> np.ndarray:
    return _terms(theta, X)[2]


def _jac(theta: np.ndarray, X: Inputs):
    u, f, logf = _terms(theta, X)
    inv = np.where(f > 0, 1.0 / np.where(f > 0, f, 1.0), np.nan)
    return logf, np.stack([inv, inv * u], axis=-1)


LOG_LINEAR = register(
    Law(
        name="log_linear",
        params=("a", "b"),
        inputs=("x",),
        formula="y = a + b log10 x",
        log_predict=_log,
        log_jacobian_fn=_jac,
        description="linear in the logarithm of x: b is the change of y per tenfold x",
        positive_inputs=("x",),
    )
)
