"""Hoffmann et al.'s L(N, D) = E + A/N^alpha + B/D^beta in the log-sum-exp parametrisation."""

from __future__ import annotations

import numpy as np

from .base import Inputs, Law, column, logsumexp_terms, register
from .fixed import tie
from .nesting import register_nesting, untied_nesting

PARAMS = ("a", "b", "e", "alpha", "beta")


def _terms(theta: np.ndarray, X: Inputs):
    a, b, e, alpha, beta = (theta[:, j : j + 1] for j in range(5))
    logN, logD = np.log(column(X, "N")), np.log(column(X, "D"))
    # a - alpha log N computed in place in the product (the same operations, one temporary fewer per term)
    t_n, t_d = np.multiply(alpha, logN), np.multiply(beta, logD)
    return logN, logD, [np.subtract(a, t_n, out=t_n), np.subtract(b, t_d, out=t_d), np.broadcast_to(e, a.shape)]


def _log_predict(theta: np.ndarray, X: Inputs) -> np.ndarray:
    _, _, terms = _terms(theta, X)
    return logsumexp_terms(terms, weights=False)[0]


def _log_jacobian(theta: np.ndarray, X: Inputs):
    logN, logD, terms = _terms(theta, X)
    logf, w = logsumexp_terms(terms)
    jac = np.empty(w.shape[:-1] + (5,))
    for j in range(3):  # term by term: each weight is contiguous in memory, the Jacobian's columns are strided
        jac[..., j] = w[..., j]
    np.multiply(w[..., 0], -logN, out=jac[..., 3])
    np.multiply(w[..., 1], -logD, out=jac[..., 4])
    return logf, jac


def _natural(theta: np.ndarray) -> dict[str, np.ndarray]:
    return {
        "A": np.exp(theta[..., 0]),
        "B": np.exp(theta[..., 1]),
        "E": np.exp(theta[..., 2]),
        "alpha": theta[..., 3],
        "beta": theta[..., 4],
    }


CHINCHILLA = register(
    Law(
        name="chinchilla",
        params=PARAMS,
        inputs=("N", "D"),
        formula="L(N, D) = E + A / N^alpha + B / D^beta, with A = e^a, B = e^b, E = e^e",
        log_predict=_log_predict,
        log_jacobian_fn=_log_jacobian,
        natural=_natural,
        description="Hoffmann et al. 2022 parametric loss, fitted as LSE(a - alpha log N, b - beta log D, e)",
        positive_inputs=("N", "D"),
        faces=(("e", -np.inf),),
    )
)


CHINCHILLA_TIED = register(
    tie(
        CHINCHILLA,
        {"beta": "alpha"},
        name="chinchilla_tied",
        formula="L(N, D) = E + A / N^alpha + B / D^alpha (one exponent for both terms), with A = e^a, B = e^b, E = e^e",
        description="the Hoffmann et al. form with alpha = beta, fitted as LSE(a - alpha log N, b - alpha log D, e)",
    )
)
register_nesting(untied_nesting(CHINCHILLA_TIED, CHINCHILLA, {"beta": "alpha"}))
