"""Single-variable power laws y = A x^-alpha, with and without an irreducible offset E."""

from __future__ import annotations

import numpy as np

from .base import Inputs, Law, column, logsumexp_terms, register


def _pure_log(theta: np.ndarray, X: Inputs) -> np.ndarray:
    return theta[:, :1] - theta[:, 1:2] * np.log(column(X, "x"))


def _pure_jac(theta: np.ndarray, X: Inputs):
    logx = np.log(column(X, "x"))
    logf = _pure_log(theta, X)
    jac = np.stack([np.ones_like(logf), -np.broadcast_to(logx, logf.shape)], axis=-1)
    return logf, jac


def _offset_terms(theta: np.ndarray, X: Inputs, weights: bool = True):
    a, e, alpha = theta[:, :1], theta[:, 1:2], theta[:, 2:3]
    logx = np.log(column(X, "x"))
    return logx, logsumexp_terms([a - alpha * logx, np.broadcast_to(e, a.shape)], weights)


def _offset_log(theta: np.ndarray, X: Inputs) -> np.ndarray:
    return _offset_terms(theta, X, weights=False)[1][0]


def _offset_jac(theta: np.ndarray, X: Inputs):
    logx, (logf, w) = _offset_terms(theta, X)
    return logf, np.stack([w[..., 0], w[..., 1], -w[..., 0] * logx], axis=-1)


POWER_LAW = register(
    Law(
        name="power_law",
        params=("a", "alpha"),
        inputs=("x",),
        formula="y = A x^(-alpha), with A = e^a",
        log_predict=_pure_log,
        log_jacobian_fn=_pure_jac,
        natural=lambda t: {"A": np.exp(t[..., 0]), "alpha": t[..., 1]},
        positive_inputs=("x",),
    )
)

POWER_LAW_OFFSET = register(
    Law(
        name="power_law_offset",
        params=("a", "e", "alpha"),
        inputs=("x",),
        formula="y = E + A x^(-alpha), with A = e^a, E = e^e",
        log_predict=_offset_log,
        log_jacobian_fn=_offset_jac,
        natural=lambda t: {"A": np.exp(t[..., 0]), "E": np.exp(t[..., 1]), "alpha": t[..., 2]},
        positive_inputs=("x",),
    )
)

COMPUTE_OPTIMAL = register(
    Law(
        name="compute_optimal",
        params=("log_k", "a"),
        inputs=("C",),
        formula="N*(C) = k C^a, with k = e^log_k",
        log_predict=lambda t, X: t[:, :1] + t[:, 1:2] * np.log(column(X, "C")),
        log_jacobian_fn=lambda t, X: (
            t[:, :1] + t[:, 1:2] * np.log(column(X, "C")),
            np.stack(
                np.broadcast_arrays(np.ones((t.shape[0], 1)), np.atleast_2d(np.log(column(X, "C")))), axis=-1
            ),
        ),
        natural=lambda t: {"k": np.exp(t[..., 0]), "a": t[..., 1]},
        positive_inputs=("C",),
    )
)
