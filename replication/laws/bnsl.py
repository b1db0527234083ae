"""Caballero et al.'s broken neural scaling laws with k breaks, in a log-stable parametrisation.

y = a + b x^(-c0) prod_i (1 + (x / d_i)^(1 / f_i))^(-c_i f_i), with a = e^la, b = e^lb, d_i = e^ld_i, f_i = e^lf_i,
so that log y = LSE(la, lb - c0 log x - sum_i c_i f_i softplus((log x - ld_i) / f_i)). Below the first break the law
is a power law with exponent c0; past break i the exponent grows by c_i; f_i sets how sharp break i is. The law with
k breaks is the one with k + 1 breaks and c_(k+1) = 0 (laws/nesting.py).
"""

from __future__ import annotations

from functools import partial

import numpy as np

from .base import Inputs, Law, column, logsumexp_terms, register
from .nesting import Nesting, register_nesting

__all__ = ["bnsl_law", "BNSL", "BNSL_2", "MAX_BREAKS"]

MAX_BREAKS = 2
BREAK_C = (-0.25, 0.25, 0.5, 1.0)  # starts of an added break's exponent change
BREAK_LF = (-1.386294, -0.693147, -0.287682)  # and of its log sharpness (f = 0.25, 0.5, 0.75)
BREAK_POSITIONS = 8  # added-break positions, evenly spaced in log x over the data and a step beyond each end


def _params(k: int) -> tuple[str, ...]:
    return ("la", "lb", "c0") + tuple(f"{p}{i}" for i in range(1, k + 1) for p in ("c", "ld", "lf"))


def _terms(theta: np.ndarray, X: Inputs, k: int):
    la, lb, c0 = (theta[:, j : j + 1] for j in range(3))
    logx = np.log(column(X, "x"))
    power = lb - c0 * logx
    breaks = []
    for i in range(k):
        c, ld, lf = (theta[:, 3 + 3 * i + j : 4 + 3 * i + j] for j in range(3))
        f = np.exp(lf)
        z = (logx - ld) / f
        sp = np.logaddexp(0.0, z)
        power = power - c * f * sp
        breaks.append((c, f, z, sp))
    return la, logx, power, breaks


def _log_predict(theta: np.ndarray, X: Inputs, k: int) -> np.ndarray:
    la, _, power, _ = _terms(theta, X, k)
    return logsumexp_terms([np.broadcast_to(la, power.shape), power], weights=False)[0]


def _log_jacobian(theta: np.ndarray, X: Inputs, k: int):
    la, logx, power, breaks = _terms(theta, X, k)
    logf, w = logsumexp_terms([np.broadcast_to(la, power.shape), power])
    w0, w1 = w[..., 0], w[..., 1]
    cols = [w0, w1, -w1 * logx]
    for c, f, z, sp in breaks:
        sig = np.exp(z - np.logaddexp(0.0, z))  # sigmoid(z)
        cols += [-w1 * f * sp, w1 * c * sig, -w1 * c * f * (sp - z * sig)]
    return logf, np.stack(np.broadcast_arrays(*cols), axis=-1)


def _natural(theta: np.ndarray, k: int) -> dict[str, np.ndarray]:
    out = {"a": np.exp(theta[..., 0]), "b": np.exp(theta[..., 1]), "c0": theta[..., 2]}
    for i in range(1, k + 1):
        j = 3 * i
        out.update({f"c{i}": theta[..., j], f"d{i}": np.exp(theta[..., j + 1]), f"f{i}": np.exp(theta[..., j + 2])})
    return out


def bnsl_law(k: int) -> Law:
    """The broken power law with ``k`` breaks."""
    factors = " ".join(f"(1 + (x / d{i})^(1 / f{i}))^(-c{i} f{i})" for i in range(1, k + 1))
    logs = ", ".join(f"d{i} = e^ld{i}, f{i} = e^lf{i}" for i in range(1, k + 1))
    return Law(
        name=f"bnsl_{k}break",
        params=_params(k),
        inputs=("x",),
        formula=f"y = a + b x^(-c0) {factors}, with a = e^la, b = e^lb, {logs}",
        log_predict=partial(_log_predict, k=k),
        log_jacobian_fn=partial(_log_jacobian, k=k),
        natural=partial(_natural, k=k),
        description=f"Caballero et al. 2023 broken neural scaling law with {k} break{'s' if k > 1 else ''}",
        positive_inputs=("x",),
    )


def _embed(theta: np.ndarray) -> np.ndarray:
    """k-break rows as (k + 1)-break rows with the added break's exponent change c = 0 (its position and sharpness
    then do not matter; set to the last break's)."""
    theta = np.atleast_2d(np.asarray(theta, dtype=float))
    return np.hstack([theta, np.zeros((len(theta), 1)), theta[:, -2:]])


def _added_break_starts(theta: np.ndarray, X: Inputs) -> np.ndarray:
    """(k + 1)-break starts: each k-break row with an added break at BREAK_POSITIONS places over the data's log x (a
    step beyond either end included), every BREAK_C exponent change and BREAK_LF sharpness (the embedded row itself,
    the added break switched off, is the callers' warm start)."""
    theta = np.atleast_2d(np.asarray(theta, dtype=float))
    logx = np.log(np.asarray(column(X, "x"), dtype=float))
    lo, hi = float(np.min(logx)), float(np.max(logx))
    step = (hi - lo) / max(BREAK_POSITIONS - 3, 1)
    positions = lo - step + step * np.arange(BREAK_POSITIONS)
    extra = np.array([(c, ld, lf) for c in BREAK_C for ld in positions for lf in BREAK_LF])
    return np.vstack([np.hstack([np.repeat(t[None, :], len(extra), axis=0), extra]) for t in theta])


BNSL = register(bnsl_law(1))
BNSL_2 = register(bnsl_law(2))
register_nesting(Nesting("bnsl_1break", "bnsl_2break", "a broken power law with 2 breaks instead of 1",
                         "how many breaks a curve has is a modelling choice; one more break can only fit the fitted "
                         "points better, and whether it extrapolates better is the question",
                         _embed, _added_break_starts))
