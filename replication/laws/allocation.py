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


def power_law_allocation(log_k, a, compute=(), optimum_of: str = "N", k=None) -> dict[str, np.ndarray]:
    """Allocation implied by an Approach-2 power law x* = k C^a (x = N or D) under C = 6 N D.

    One derived quantity for every such fit: a_alloc (N* ~ C^a_alloc), b_alloc (D* ~ C^b_alloc) and N_opt, D_opt and
    tokens per parameter at each compute budget, the other factor being C / (6 x*). A law fitted with k itself
    as its natural constant passes ``k`` (x* = k C^a is then evaluated as written).
    """
    log_k, a = np.asarray(log_k, dtype=float), np.asarray(a, dtype=float)
    if optimum_of not in ("N", "D"):
        raise ValueError(f"optimum_of is {optimum_of!r}; use 'N' or 'D'")
    out = {"a_alloc": a, "b_alloc": 1 - a} if optimum_of == "N" else {"a_alloc": 1 - a, "b_alloc": a}
    for C in compute:
        c = float(C)
        x = np.exp(log_k + a * np.log(c)) if k is None else np.asarray(k, dtype=float) * c**a
        n, d = (x, c / (6 * x)) if optimum_of == "N" else (c / (6 * x), x)
        tpp = c / (6 * n**2) if optimum_of == "N" else d / n  # D/N, written from the fitted optimum
        tag = f"{c:.3g}"
        out[f"N_opt@{tag}"], out[f"D_opt@{tag}"], out[f"tokens_per_param@{tag}"] = n, d, tpp
    return out


def compute_optimal_derived(natural: dict[str, np.ndarray], settings: dict) -> dict[str, np.ndarray]:
    """Derived allocation of a fitted ``compute_optimal`` law N* = k C^a; budgets from settings['compute_budgets']."""
    return power_law_allocation(np.log(natural["k"]), natural["a"], settings.get("compute_budgets", ()), "N",
                                k=natural["k"])


DERIVED["compute_optimal"] = compute_optimal_derived
