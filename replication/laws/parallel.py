"""Parallel scaling (Chen et al. 2025): P parallel streams act on the loss like a larger parameter count.

L(N, P) = E + (A 1e9 / (N m(P)))^alpha, with the parameter multiplier m(P) = k ln P + 1 (the paper's law) or,
as an alternative to compare with, m(P) = P^gamma (a power of P instead of its logarithm).
"""

from __future__ import annotations

import numpy as np

from .base import Inputs, Law, column, logsumexp_terms, register

LOG_1E9 = float(np.log(1e9))


def _log_terms(theta: np.ndarray, X: Inputs):
    """log of the multiplier m(P) = k ln P + 1 (k = e^lk) and its derivative in lk."""
    k = np.exp(theta[:, 3:4])
    lnp = np.log(column(X, "P"))
    m = k * lnp + 1.0
    return np.log(m), k * lnp / m


def _power_terms(theta: np.ndarray, X: Inputs):
    """log of the multiplier m(P) = P^gamma and its derivative in gamma."""
    lnp = np.log(column(X, "P"))
    return theta[:, 3:4] * lnp, np.broadcast_to(lnp, (theta.shape[0], lnp.shape[-1]))


def _make(multiplier):
    """log L and its Jacobian in (e, a, alpha, m-parameter) for a multiplier function."""

    def evaluate(theta: np.ndarray, X: Inputs):
        e, a, alpha = theta[:, :1], theta[:, 1:2], theta[:, 2:3]
        log_m, dlog_m = multiplier(theta, X)
        base = a + LOG_1E9 - np.log(column(X, "N")) - log_m  # log(A 1e9 / (N m))
        logf, w = logsumexp_terms([np.broadcast_to(e, base.shape), alpha * base])
        jac = np.stack([w[..., 0], w[..., 1] * alpha, w[..., 1] * base, -w[..., 1] * alpha * dlog_m], axis=-1)
        return logf, jac

    return (lambda t, X: evaluate(t, X)[0]), evaluate


_log_predict, _log_jac = _make(_log_terms)
_pow_predict, _pow_jac = _make(_power_terms)

PARSCALE = register(
    Law(
        name="parscale",
        params=("e", "a", "alpha", "lk"),
        inputs=("N", "P"),
        formula="L = E + (A 1e9 / (N (k ln P + 1)))^alpha, with E = e^e, A = e^a, k = e^lk",
        log_predict=_log_predict,
        log_jacobian_fn=_log_jac,
        natural=lambda t: {"E": np.exp(t[..., 0]), "A": np.exp(t[..., 1]), "alpha": t[..., 2], "k": np.exp(t[..., 3])},
        description="Chen et al. 2025: P parallel streams multiply the parameter count by k ln P + 1",
        positive_inputs=("N", "P"),
    )
)

PARSCALE_POWER = register(
    Law(
        name="parscale_power",
        params=("e", "a", "alpha", "gamma"),
        inputs=("N", "P"),
        formula="L = E + (A 1e9 / (N P^gamma))^alpha, with E = e^e, A = e^a",
        log_predict=_pow_predict,
        log_jacobian_fn=_pow_jac,
        natural=lambda t: {"E": np.exp(t[..., 0]), "A": np.exp(t[..., 1]), "alpha": t[..., 2], "gamma": t[..., 3]},
        description="alternative to the ParScale law: P streams multiply the parameter count by P^gamma",
        positive_inputs=("N", "P"),
    )
)
