"""Caballero et al.'s broken neural scaling law with one break, in a log-stable parametrisation.

y = a + b x^(-c0) (1 + (x / d1)^(1 / f1))^(-c1 f1), with a = e^la, b = e^lb, d1 = e^ld1, f1 = e^lf1, so that
log y = LSE(la, lb - c0 log x - c1 f1 softplus((log x - ld1) / f1)). Below the break (x << d1) the law is
a power law with exponent c0; above it the exponent becomes c0 + c1; f1 sets how sharp the break is.
"""

from __future__ import annotations

import numpy as np

from .base import Inputs, Law, column, logsumexp_terms, register


def _terms(theta: np.ndarray, X: Inputs):
    la, lb, c0, c1, ld1, lf1 = (theta[:, j : j + 1] for j in range(6))
    logx = np.log(column(X, "x"))
    f1 = np.exp(lf1)
    z = (logx - ld1) / f1
    sp = np.logaddexp(0.0, z)
    power = lb - c0 * logx - c1 * f1 * sp
    return la, c1, f1, logx, z, sp, power


def _log_predict(theta: np.ndarray, X: Inputs) -> np.ndarray:
    la, _, _, _, _, _, power = _terms(theta, X)
    return logsumexp_terms([np.broadcast_to(la, power.shape), power], weights=False)[0]


def _log_jacobian(theta: np.ndarray, X: Inputs):
    la, c1, f1, logx, z, sp, power = _terms(theta, X)
    logf, w = logsumexp_terms([np.broadcast_to(la, power.shape), power])
    w0, w1 = w[..., 0], w[..., 1]
    sig = np.exp(z - np.logaddexp(0.0, z))  # sigmoid(z)
    jac = np.stack(
        np.broadcast_arrays(
            w0,
            w1,
            -w1 * logx,
            -w1 * f1 * sp,
            w1 * c1 * sig,
            -w1 * c1 * f1 * (sp - z * sig),
        ),
        axis=-1,
    )
    return logf, jac


BNSL = register(
    Law(
        name="bnsl_1break",
        params=("la", "lb", "c0", "c1", "ld1", "lf1"),
        inputs=("x",),
        formula="y = a + b x^(-c0) (1 + (x / d1)^(1 / f1))^(-c1 f1), with a = e^la, b = e^lb, d1 = e^ld1, f1 = e^lf1",
        log_predict=_log_predict,
        log_jacobian_fn=_log_jacobian,
        natural=lambda t: {"a": np.exp(t[..., 0]), "b": np.exp(t[..., 1]), "c0": t[..., 2], "c1": t[..., 3],
                           "d1": np.exp(t[..., 4]), "f1": np.exp(t[..., 5])},
        description="Caballero et al. 2023 broken neural scaling law with one break",
        positive_inputs=("x",),
    )
)
