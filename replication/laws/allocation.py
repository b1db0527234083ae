"""Compute-optimal allocation implied by L(N, D) = E + A/N^alpha + B/D^beta under C = 6 N D.

Minimising the law at fixed compute gives N_opt = G (C/6)^a and D_opt = G^-1 (C/6)^b with
a = beta/(alpha+beta), b = alpha/(alpha+beta) and G = (alpha A / (beta B))^(1/(alpha+beta)).
"""

from __future__ import annotations

import numpy as np


def allocation(A, B, alpha, beta, compute=()) -> dict[str, np.ndarray]:
    """Allocation exponents, G, and N_opt, D_opt, tokens per parameter at each compute budget (FLOP)."""
    A, B, alpha, beta = (np.asarray(v, dtype=float) for v in (A, B, alpha, beta))
    with np.errstate(divide="ignore", invalid="ignore"):
        s = alpha + beta
        log_G = (np.log(alpha) + np.log(A) - np.log(beta) - np.log(B)) / s
        out = {"a_alloc": beta / s, "b_alloc": alpha / s, "G": np.exp(log_G)}
        for C in compute:
            log_c6 = np.log(float(C) / 6.0)
            log_n = log_G + out["a_alloc"] * log_c6
            log_d = -log_G + out["b_alloc"] * log_c6
            tag = f"{float(C):.3g}"
            out[f"N_opt@{tag}"] = np.exp(log_n)
            out[f"D_opt@{tag}"] = np.exp(log_d)
            out[f"tokens_per_param@{tag}"] = np.exp(log_d - log_n)
    return out


def chinchilla_derived(natural: dict[str, np.ndarray], settings: dict) -> dict[str, np.ndarray]:
    """Derived quantities of a fitted Chinchilla law; budgets from settings['compute_budgets']."""
    return allocation(natural["A"], natural["B"], natural["alpha"], natural["beta"], settings.get("compute_budgets", ()))


DERIVED = {"chinchilla": chinchilla_derived, "chinchilla_tied": chinchilla_derived}  # tied: natural beta = alpha
