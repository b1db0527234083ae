"""Muennighoff et al. 2023: L = E + A / N'^alpha + B / D'^beta with effective data D' and effective parameters N'.

Inputs per run: N parameters, D training tokens, U unique tokens. Repetitions R_D = max(D / U - 1, 0) and
D' = U + U R*_D (1 - exp(-R_D / R*_D)). Excess parameters are counted against U_N = min(N, N_opt(U)), the
compute-optimal parameter count for U tokens under the law's own single-epoch part
(N_opt(U) = G (G U)^(beta / alpha), G = (alpha A / (beta B))^(1 / (alpha + beta)); with alpha = beta this is
(A / B)^(1 / alpha) U), R_N = N / U_N - 1 and N' = U_N + U_N R*_N (1 - exp(-R_N / R*_N)).

Fitted as LSE(a - alpha log N', b - beta log D', e) with A, B, E = e^a, e^b, e^e and R* = e^(log R*) (positive).
``data_constrained_untied`` frees beta; ``data_constrained`` ties beta = alpha (the authors' published form) with the
suite's one tying mechanism (``laws.fixed.tie``).
"""

from __future__ import annotations

import math

import numpy as np

from .base import Inputs, Law, column, logsumexp_terms, register
from .fixed import tie
from .nesting import register_nesting, untied_nesting


SERIES_BELOW = 0.1  # below this x, 1 - (1 + x) e^-x from its series (the direct form loses 2 eps / x to cancellation)


def _one_minus_one_plus_x_exp(x: np.ndarray, ex: np.ndarray) -> np.ndarray:
    """1 - (1 + x) e^-x, accurate to rounding for every x >= 0: the series sum_k>=2 (-1)^k (k - 1) x^k / k! (to k = 14,
    truncation below 1e-18 relative) where x is small (evaluated on those entries only), else the direct form."""
    with np.errstate(invalid="ignore"):
        out = -np.expm1(-x) - x * ex
    small = x < SERIES_BELOW
    if small.any():
        xs = x[small]
        series = np.zeros_like(xs)
        for k in range(14, 1, -1):  # Horner in x from the highest term: x^2 (1/2 - x (1/3 - x (1/8 - ...)))
            series = (k - 1) / math.factorial(k) - xs * series
        out[small] = series * xs * xs
    return out


def _effective(U: np.ndarray, R: np.ndarray, log_rs: np.ndarray, derivative: bool = True):
    """U + U R* (1 - exp(-R / R*)) and its derivative with respect to log R* (None without ``derivative``: a
    prediction alone does not need it); at the face log R* = +inf (no decay) the limit U (1 + R) with derivative 0.
    Only the face itself takes the limit: a finite log R* whose exponential overflows stays undefined (NaN), so a
    line search never jumps onto the face by accident."""
    face = np.isposinf(log_rs)
    rs = np.exp(log_rs)
    x = R / rs
    ex = np.exp(-x)
    decayed = -np.expm1(-x)  # 1 - exp(-x) without cancellation when R* is far above R
    with np.errstate(invalid="ignore"):
        eff = U * (1.0 + rs * decayed)
        d_log_rs = U * rs * _one_minus_one_plus_x_exp(x, ex) if derivative else None
    if face.any():
        eff = np.where(face, U * (1.0 + R), eff)
        d_log_rs = np.where(face, 0.0, d_log_rs) if derivative else None
    return eff, ex, decayed, rs, d_log_rs, face


def _parts(theta: np.ndarray, X: Inputs, derivative: bool = True) -> dict:
    a, b, e, alpha, beta = (theta[:, j : j + 1] for j in range(5))
    log_rd, log_rn = theta[:, -2:-1], theta[:, -1:]
    N, D, U = column(X, "N"), column(X, "D"), column(X, "U")
    log_u = np.log(U)
    # the compute-optimal parameter count for U unique tokens: log N_opt = (a - b + log alpha - log beta + beta log U) / alpha
    k = a - b + np.log(alpha) - np.log(beta) + beta * log_u
    log_nopt = k / alpha
    capped = log_nopt < np.log(N)  # U_N = N_opt < N: the run has excess parameters
    log_un = np.where(capped, log_nopt, np.log(N))
    un = np.exp(log_un)
    rn_runs = np.maximum(N / un - 1.0, 0.0)
    n_eff, ex_n, decayed_n, rn, dn_log_rn, face_n = _effective(un, rn_runs, log_rn, derivative)
    rd_runs = np.maximum(D / U - 1.0, 0.0)
    d_eff, _, _, _, dd_log_rd, _ = _effective(U, rd_runs, log_rd, derivative)
    terms = [a - alpha * np.log(n_eff), b - beta * np.log(d_eff), np.broadcast_to(e, a.shape)]
    return dict(a=a, b=b, alpha=alpha, beta=beta, k=k, log_u=log_u, capped=capped, un=un, rn_runs=rn_runs,
                n_eff=n_eff, ex_n=ex_n, decayed_n=decayed_n, rn=rn, face_n=face_n, dn_log_rn=dn_log_rn, d_eff=d_eff, dd_log_rd=dd_log_rd, terms=terms)


def _log_predict(theta: np.ndarray, X: Inputs) -> np.ndarray:
    return logsumexp_terms(_parts(theta, X, derivative=False)["terms"], weights=False)[0]


def _log_jacobian(theta: np.ndarray, X: Inputs):
    p = _parts(theta, X)
    logf, w = logsumexp_terms(p["terms"])
    w_n, w_d, w_e = w[..., 0], w[..., 1], w[..., 2]
    alpha, beta = p["alpha"], p["beta"]
    # d log N' / d log U_N where U_N = N_opt (zero where U_N = N, which does not move with the parameters)
    with np.errstate(invalid="ignore"):  # at R*_N = inf, N' = N whatever U_N is: the derivative is 0
        dn_dun = np.where(p["face_n"], 0.0,
                          (1.0 + p["rn"] * p["decayed_n"] - p["ex_n"] * (p["rn_runs"] + 1.0)) * p["un"] / p["n_eff"])
    s = np.where(p["capped"], dn_dun, 0.0)
    # derivatives of log N_opt = k / alpha
    dlo_da, dlo_db = 1.0 / alpha, -1.0 / alpha
    dlo_dalpha = (1.0 - p["k"]) / alpha**2
    dlo_dbeta = (-1.0 / beta + p["log_u"]) / alpha
    log_n_eff, log_d_eff = np.log(p["n_eff"]), np.log(p["d_eff"])
    g_a = w_n * (1.0 - alpha * s * dlo_da)
    g_b = w_d - w_n * alpha * s * dlo_db
    g_alpha = -w_n * (log_n_eff + alpha * s * dlo_dalpha)
    cols = [g_a, g_b, w_e, g_alpha, -w_d * log_d_eff - w_n * alpha * s * dlo_dbeta]
    cols.append(-w_d * beta * p["dd_log_rd"] / p["d_eff"])
    cols.append(-w_n * alpha * p["dn_log_rn"] / p["n_eff"])
    return logf, np.stack(cols, axis=-1)


def _natural(theta: np.ndarray) -> dict[str, np.ndarray]:
    out = {"A": np.exp(theta[..., 0]), "B": np.exp(theta[..., 1]), "E": np.exp(theta[..., 2]), "alpha": theta[..., 3],
           "beta": theta[..., 4]}
    out["R_D_star"] = np.exp(theta[..., -2])
    out["R_N_star"] = np.exp(theta[..., -1])
    return out


# no decay of repeated data or of excess parameters (R* = inf, log R* = +inf) is a limit of the law
FACES = (("log_rd_star", np.inf), ("log_rn_star", np.inf))

DATA_CONSTRAINED_UNTIED = register(
    Law(
        name="data_constrained_untied",
        params=("a", "b", "e", "alpha", "beta", "log_rd_star", "log_rn_star"),
        inputs=("N", "D", "U"),
        formula="L = E + A / N'^alpha + B / D'^beta, D' = U + U R*_D (1 - e^(-R_D / R*_D)), "
        "N' = U_N + U_N R*_N (1 - e^(-R_N / R*_N)), U_N = min(N, G (G U)^(beta / alpha)), "
        "G = (alpha A / (beta B))^(1 / (alpha + beta)), R_D = D / U - 1, R_N = N / U_N - 1; A, B, E = e^a, e^b, e^e",
        log_predict=_log_predict,
        log_jacobian_fn=_log_jacobian,
        natural=_natural,
        description="Muennighoff et al. 2023 data-constrained law with separate exponents",
        positive_inputs=("N", "D", "U"),
        faces=FACES,
    )
)

DATA_CONSTRAINED = register(
    tie(
        DATA_CONSTRAINED_UNTIED,
        {"beta": "alpha"},
        name="data_constrained",
        formula="L = E + A / N'^alpha + B / D'^alpha, D' = U + U R*_D (1 - e^(-R_D / R*_D)), "
        "N' = U_N + U_N R*_N (1 - e^(-R_N / R*_N)), U_N = min(N, (A / B)^(1 / alpha) U), "
        "R_D = D / U - 1, R_N = N / U_N - 1; A, B, E = e^a, e^b, e^e",
        description="Muennighoff et al. 2023 data-constrained law with a single exponent (alpha = beta)",
    )
)
register_nesting(untied_nesting(DATA_CONSTRAINED, DATA_CONSTRAINED_UNTIED, {"beta": "alpha"}))
