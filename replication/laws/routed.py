"""Clark et al.'s routed-model law: log L(N, E) bilinear in log N and log E_hat, E_hat a saturating expert count.

log10 L = a log10 N + b log10 E_hat + c log10 N log10 E_hat + d, with
1 / E_hat = 1 / (E - 1 + (1/E_start - 1/E_max)^-1) + 1/E_max, so E_hat = E_start at E = 1, grows like
E + E_start - 1 for moderate E and saturates at E_max. E_start = 2^s and E_max = 2^m are fitted on the log2
scale (as in the authors' released example code); the transform is defined only for E_start < E_max.
"""

from __future__ import annotations

import numpy as np

from .base import Inputs, Law, column, register

PARAMS = ("a", "b", "c", "d", "s", "m")
LN2, LN10 = np.log(2.0), np.log(10.0)


def saturating_transform(E: np.ndarray, s: np.ndarray, m: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ln E_hat and its derivatives in s = log2 E_start and m = log2 E_max (broadcast over rows of s, m).

    Where E_start >= E_max the transform is undefined and NaN is returned (the optimiser's line search
    rejects such steps).
    """
    inv_start, inv_max = np.exp(-LN2 * s), np.exp(-LN2 * m)
    u = inv_start - inv_max
    u = np.where(u > 0, u, np.nan)
    inner = E - 1.0 + 1.0 / u
    inv = 1.0 / inner + inv_max
    ln_hat = -np.log(inv)
    e_hat = 1.0 / inv
    k = 1.0 / (u * inner) ** 2
    d_s = e_hat * LN2 * inv_start * k
    d_m = -e_hat * LN2 * inv_max * (k - 1.0)
    return ln_hat, d_s, d_m


def _parts(theta: np.ndarray, X: Inputs):
    a, b, c, d, s, m = (theta[:, j : j + 1] for j in range(6))
    lN = np.atleast_2d(np.log10(column(X, "N")))  # (1, n) shared, or (K, n) per row
    ln_hat, d_s, d_m = saturating_transform(np.atleast_2d(column(X, "E")), s, m)
    lE = ln_hat / LN10
    log10_f = a * lN + b * lE + c * lN * lE + d
    return a, b, c, d, lN, lE, d_s, d_m, log10_f


def _log_predict(theta: np.ndarray, X: Inputs) -> np.ndarray:
    return LN10 * _parts(theta, X)[-1]


def _log_jacobian(theta: np.ndarray, X: Inputs):
    a, b, c, d, lN, lE, d_s, d_m, log10_f = _parts(theta, X)
    slope_e = b + c * lN  # d log10 f / d log10 E_hat; times d ln E_hat / d s gives d ln f / d s
    shape = log10_f.shape
    jac = np.stack(
        [
            LN10 * np.broadcast_to(lN, shape),
            LN10 * lE,
            LN10 * lN * lE,
            np.full(shape, LN10),
            slope_e * d_s,
            slope_e * d_m,
        ],
        axis=-1,
    )
    return LN10 * log10_f, jac


def _natural(theta: np.ndarray) -> dict[str, np.ndarray]:
    return {
        "a": theta[..., 0],
        "b": theta[..., 1],
        "c": theta[..., 2],
        "d": theta[..., 3],
        "E_start": 2.0 ** theta[..., 4],
        "E_max": 2.0 ** theta[..., 5],
    }


ROUTED = register(
    Law(
        name="routed_bilinear",
        params=PARAMS,
        inputs=("N", "E"),
        formula="log10 L = a log10 N + b log10 E_hat + c log10 N log10 E_hat + d, "
        "1/E_hat = 1/(E - 1 + (1/E_start - 1/E_max)^-1) + 1/E_max, E_start = 2^s, E_max = 2^m",
        log_predict=_log_predict,
        log_jacobian_fn=_log_jacobian,
        natural=_natural,
        description="Clark et al. 2022 unified law for routed language models (dense parameters N, experts E)",
        positive_inputs=("N", "E"),
    )
)
