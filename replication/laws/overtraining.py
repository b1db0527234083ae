"""Gadre et al. 2024: loss under over-training, L(N, M) = a N^b + c 6^(b/2) (M N)^b + E, and top-1 error from loss.

The loss law has one exponent b < 0 shared by the parameter term and the over-training term (written as in the
authors' code; D = M N tokens). It is fitted as LSE(la + b log N, lc + b (log 6 / 2 + log M N), e) with a = e^la,
c = e^lc, E = e^e: the coefficients are positive and enter on the log scale, which keeps the multi-start search
well conditioned when they range over orders of magnitude. The downstream law Err(L) = eps - k exp(-gamma L) is
fitted with k = e^lk.
"""

from __future__ import annotations

import numpy as np

from .base import Inputs, Law, column, logsumexp_terms, register

HALF_LOG6 = 0.5 * np.log(6.0)


def _loss_terms(theta: np.ndarray, X: Inputs):
    la, lc, e, b = (theta[:, j : j + 1] for j in range(4))
    log_n = np.log(column(X, "N"))
    log_c = HALF_LOG6 + np.log(column(X, "M") * column(X, "N"))
    return log_n, log_c, logsumexp_terms([la + b * log_n, lc + b * log_c, np.broadcast_to(e, la.shape)])


def _loss_log(theta: np.ndarray, X: Inputs) -> np.ndarray:
    return _loss_terms(theta, X)[2][0]


def _loss_jac(theta: np.ndarray, X: Inputs):
    log_n, log_c, (logf, w) = _loss_terms(theta, X)
    jac = np.stack([w[..., 0], w[..., 1], w[..., 2], w[..., 0] * log_n + w[..., 1] * log_c], axis=-1)
    return logf, jac


OVERTRAINING_LOSS = register(
    Law(
        name="overtraining_loss",
        params=("la", "lc", "e", "b"),
        inputs=("N", "M"),
        formula="L(N, M) = a N^b + c 6^(b/2) (M N)^b + E, with a = e^la, c = e^lc, E = e^e (b < 0 shared)",
        log_predict=_loss_log,
        log_jacobian_fn=_loss_jac,
        natural=lambda t: {"a": np.exp(t[..., 0]), "c": np.exp(t[..., 1]), "E": np.exp(t[..., 2]), "b": t[..., 3]},
        description="Gadre et al. 2024 loss of a run with N parameters and token multiplier M = D / N",
        positive_inputs=("N", "M"),
    )
)


def _err_parts(theta: np.ndarray, X: Inputs):
    eps, lk, gamma = theta[:, :1], theta[:, 1:2], theta[:, 2:3]
    L = column(X, "L")
    decay = np.exp(lk - gamma * L)  # k e^(-gamma L)
    f = eps - decay
    with np.errstate(invalid="ignore", divide="ignore"):
        logf = np.where(f > 0, np.log(np.where(f > 0, f, 1.0)), np.nan)
    return L, decay, f, logf


def _err_log(theta: np.ndarray, X: Inputs) -> np.ndarray:
    return _err_parts(theta, X)[3]


def _err_jac(theta: np.ndarray, X: Inputs):
    L, decay, f, logf = _err_parts(theta, X)
    with np.errstate(invalid="ignore", divide="ignore"):
        inv = np.where(f > 0, 1.0 / f, np.nan)
    jac = np.stack([inv, -decay * inv, L * decay * inv], axis=-1)
    return logf, jac


DOWNSTREAM_ERROR = register(
    Law(
        name="downstream_error",
        params=("eps", "lk", "gamma"),
        inputs=("L",),
        formula="Err(L) = eps - k exp(-gamma L), with k = e^lk",
        log_predict=_err_log,
        log_jacobian_fn=_err_jac,
        natural=lambda t: {"eps": t[..., 0], "k": np.exp(t[..., 1]), "gamma": t[..., 2]},
        description="Gadre et al. 2024 average top-1 error as a function of validation loss",
        positive_inputs=("L",),
    )
)
