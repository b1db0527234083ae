"""Alabdulmohsin et al.'s learning-curve estimators M3 and M4 (M1 and M2 are `power_law`, `power_law_offset`).

M3: L = beta (1/x + gamma)^c, a power law that levels off at beta gamma^c.
M4: (L - eps_inf) / (eps_0 - L)^alpha = beta x^(-c), an implicit law whose loss moves from eps_0 (small x)
to eps_inf (large x). Predictions solve the implicit equation for L; see `solve_m4`.
Both laws use c > 0 for a decreasing loss (the paper writes the exponent with the opposite sign).
"""

from __future__ import annotations

import numpy as np

from .base import Inputs, Law, column, logsumexp_terms, register

_LOG2 = float(np.log(2.0))
ALPHA_MIN = 1e-12


def _softplus(u: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, u)


def _sigmoid(u: np.ndarray) -> np.ndarray:
    return np.exp(-_softplus(-u))


# -- M3 ------------------------------------------------------------------------------------------
def _m3_terms(theta: np.ndarray, X: Inputs):
    b, c, g = theta[:, :1], theta[:, 1:2], theta[:, 2:3]
    logx = np.log(column(X, "x"))
    inner = np.logaddexp(-logx, g)  # log(1/x + gamma), gamma = e^g
    return b, c, g, logx, inner


def _m3_log(theta: np.ndarray, X: Inputs) -> np.ndarray:
    b, c, _, _, inner = _m3_terms(theta, X)
    return b + c * inner


def _m3_jac(theta: np.ndarray, X: Inputs):
    b, c, g, logx, inner = _m3_terms(theta, X)
    logf = b + c * inner
    share = _sigmoid(g + logx)  # gamma / (1/x + gamma)
    return logf, np.stack(np.broadcast_arrays(np.ones_like(logf), inner, c * share), axis=-1)


M3 = register(
    Law(
        name="alabdulmohsin_m3",
        params=("b", "c", "g"),
        inputs=("x",),
        formula="L = beta (1/x + gamma)^c, with beta = e^b, gamma = e^g",
        log_predict=_m3_log,
        log_jacobian_fn=_m3_jac,
        natural=lambda t: {"beta": np.exp(t[..., 0]), "c": t[..., 1], "gamma": np.exp(t[..., 2])},
        description="Alabdulmohsin et al. 2022 estimator M3 (a power law in 1/x + gamma)",
        positive_inputs=("x",),
    )
)


# -- M4 ------------------------------------------------------------------------------------------
def solve_m4(target: np.ndarray, alpha: np.ndarray, tol: float = 1e-12, max_iter: int = 200) -> np.ndarray:
    """The u solving log sigmoid(u) - alpha log(1 - sigmoid(u)) = target, elementwise (alpha > 0).

    The left side h(u) = -softplus(-u) + alpha softplus(u) increases strictly (h' = sigmoid(-u) + alpha
    sigmoid(u) > 0) and lies within [m(u) - log 2, m(u) + alpha log 2], m(u) = u for u < 0 and alpha u for
    u > 0, which gives a bracket. Newton steps from the asymptotic guess are kept when they stay inside the
    bracket, else replaced by bisection; the bracket shrinks every iteration, so the solve cannot diverge.
    alpha below ALPHA_MIN is raised to it (the law is then M2 capped at eps_0, to within 1e-12 in log L).
    """
    T = np.asarray(target, dtype=float)
    a = np.broadcast_to(np.maximum(np.asarray(alpha, dtype=float), ALPHA_MIN), T.shape)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        return _newton_bracketed(T, a, tol, max_iter)


def _newton_bracketed(T: np.ndarray, a: np.ndarray, tol: float, max_iter: int) -> np.ndarray:
    """The iteration of `solve_m4` (a and T broadcast to the same shape)."""

    def m_inv(v):
        return np.where(v >= 0, v / a, v)

    lo, hi = m_inv(T - a * _LOG2), m_inv(T + _LOG2)
    u = np.clip(m_inv(T), lo, hi)
    for _ in range(max_iter):
        e = np.exp(-np.abs(u))
        l1p = np.log1p(e)
        pos = np.maximum(u, 0.0)
        # h(u) - T with softplus(u) = max(u, 0) + log1p(e^-|u|) and softplus(-u) = softplus(u) - u
        sp = pos + l1p
        h = -(sp - u) + a * sp - T
        lo = np.where(h < 0, u, lo)
        hi = np.where(h > 0, u, hi)
        sig = np.where(u >= 0, 1.0, e) / (1.0 + e)  # sigmoid(u)
        newton = u - h / ((1.0 - sig) + a * sig)
        inside = (newton >= lo) & (newton <= hi)
        u_new = np.where(inside, newton, 0.5 * (lo + hi))
        step = np.abs(u_new - u)
        u = u_new
        if np.all((step <= tol * np.maximum(1.0, np.abs(u))) | ~np.isfinite(u)):
            break
    return u


def _m4_solve(theta: np.ndarray, X: Inputs):
    lb, c, le, ld, la = (theta[:, j : j + 1] for j in range(5))
    logx = np.log(column(X, "x"))
    alpha = np.maximum(np.exp(la), ALPHA_MIN)
    target = lb - c * logx + (alpha - 1.0) * ld  # log of beta x^-c (eps_0 - eps_inf)^(alpha - 1)
    u = solve_m4(target, alpha)
    return lb, c, le, ld, la, alpha, logx, u


def _m4_log(theta: np.ndarray, X: Inputs) -> np.ndarray:
    _, _, le, ld, _, _, _, u = _m4_solve(theta, X)
    return logsumexp_terms([np.broadcast_to(le, u.shape), ld - _softplus(-u)], weights=False)[0]


def _m4_jac(theta: np.ndarray, X: Inputs):
    _, _, le, ld, _, alpha, logx, u = _m4_solve(theta, X)
    logf, w = logsumexp_terms([np.broadcast_to(le, u.shape), ld - _softplus(-u)])
    w0, w1 = w[..., 0], w[..., 1]
    sneg = _sigmoid(-u)
    dh = sneg + alpha * _sigmoid(u)
    k = w1 * sneg / dh  # d log L / d target
    jac = np.stack(
        np.broadcast_arrays(
            k,
            -k * logx,
            w0,
            w1 + k * (alpha - 1.0),
            k * alpha * (ld - _softplus(u)),
        ),
        axis=-1,
    )
    return logf, jac


def _m4_natural(t: np.ndarray) -> dict[str, np.ndarray]:
    eps_inf = np.exp(t[..., 2])
    return {"beta": np.exp(t[..., 0]), "c": t[..., 1], "eps_inf": eps_inf, "eps_0": eps_inf + np.exp(t[..., 3]),
            "alpha": np.exp(t[..., 4])}


M4 = register(
    Law(
        name="alabdulmohsin_m4",
        params=("b", "c", "e", "d", "a"),
        inputs=("x",),
        formula="(L - eps_inf) / (eps_0 - L)^alpha = beta x^(-c), with beta = e^b, eps_inf = e^e, "
        "eps_0 = eps_inf + e^d, alpha = e^a; L solved from the equation (between eps_inf and eps_0)",
        log_predict=_m4_log,
        log_jacobian_fn=_m4_jac,
        natural=_m4_natural,
        description="Alabdulmohsin et al. 2022 estimator M4, an implicit law solved for L by safeguarded Newton steps",
        positive_inputs=("x",),
    )
)
