"""The fit-health check: did the optimiser converge, move, stay off bounds, and land on a well-posed optimum?

Rows are ok, warn, info, or fail. The summary row ``identified`` fails when the data do not determine the
parameters (a flat ridge, a parameter at a bound, no more points than parameters, or a fitted constant whose
bootstrap interval spans more than the identification factor); the claims on such a fit are "not identified".
"""

from __future__ import annotations

import numpy as np

from ..fitting.result import FitResult
from .verdicts import IDENTIFICATION_LEVEL, IDENTIFICATION_SPAN

RIDGE_CONDITION = 1e10

RULES = {
    "converged": "the optimiser met its stopping test (relative decrease <= ftol or max |gradient| <= gtol)",
    "moved_from_start": "the optimum differs from the start it came from (relative change > 1e-6)",
    "off_start_grid": "the optimum is not a point of the start grid",
    "off_bounds": "no parameter within 1e-6 of a declared bound (the fit is unbounded if none are declared)",
    "hessian_condition": f"condition number of the objective's Hessian at the optimum below {RIDGE_CONDITION:.0e} "
    "(larger means a flat ridge: some combination of parameters is barely determined)",
    "starts_at_best": "share of the starts run to the end that reach the best objective (informational)",
    "points_per_parameter": "more points than fitted parameters (with no more, the fit interpolates and nothing is tested)",
    "bootstrap_spread": f"every positive fitted constant's {IDENTIFICATION_LEVEL:.0%} bootstrap interval spans at most a "
    f"factor of {IDENTIFICATION_SPAN:g} and stays above zero (informational without a bootstrap)",
    "certified": "for a law linear in its coefficients once its exponents are fixed: a dense grid over the exponents "
    "with the coefficients profiled out for the paper's criterion, the best grid points polished by the engine, finds "
    "no optimum lower than the multi-start one by more than a relative 1e-6 (value: multi-start minus profiled "
    "objective; warn when the search found a lower optimum)",
    "identified": "fails if hessian_condition exceeds the ridge threshold, off_bounds, points_per_parameter or "
    "bootstrap_spread fails: the data do not determine the parameters, and claims on this fit are 'not identified'",
}


def health_row(paper: str, fit_name: str, check: str, value, ok: bool | None, detail: str = "") -> dict:
    """One fit-health row; ``ok`` None marks an informational row."""
    status = "info" if ok is None else ("ok" if ok else ("fail" if check == "identified" else "warn"))
    return {"paper": paper, "fit": fit_name, "check": check, "value": value, "status": status, "detail": detail,
            "rule": RULES[check]}


def spread_problems(samples: dict[str, np.ndarray], point: dict[str, float]) -> list[str]:
    """Positive fitted constants whose bootstrap interval reaches zero or spans more than IDENTIFICATION_SPAN."""
    bad = []
    q = ((1 - IDENTIFICATION_LEVEL) / 2, (1 + IDENTIFICATION_LEVEL) / 2)
    for name, s in samples.items():
        s = np.asarray(s, dtype=float)
        s = s[np.isfinite(s)]
        if s.size < 2 or not point.get(name, 0) > 0:
            continue
        lo, hi = np.quantile(s, q)
        if lo <= 0 or hi / lo > IDENTIFICATION_SPAN:
            bad.append(f"{name} ({lo:.3g}, {hi:.3g})")
    return bad


def fit_health_rows(paper: str, fit_name: str, fit: FitResult, starts: np.ndarray, hessian: np.ndarray,
                    samples: dict[str, np.ndarray] | None = None, natural: dict[str, float] | None = None) -> list[dict]:
    """Health rows of one fit; ``samples``/``natural`` (bootstrap replicates and point values of the fitted constants)
    enter the identification check when given."""
    rows = []

    def add(check: str, value, ok: bool | None, detail: str = ""):
        rows.append(health_row(paper, fit_name, check, value, ok, detail))

    add("converged", bool(fit.converged), fit.converged, f"{fit.n_iter} iterations, max |gradient| {np.abs(fit.grad).max():.3g}")
    finite = np.isfinite(fit.theta)  # a coordinate at an infinite limit (a face of the law) moved all the way
    scale = np.maximum(np.abs(fit.theta[finite]), 1e-8)
    moved = float(np.max(np.abs(fit.theta[finite] - fit.start[finite]) / scale, initial=0.0)) if finite.all() else float("inf")
    add("moved_from_start", moved, moved > 1e-6, "largest relative change from the start")
    on_grid = bool(np.any(np.all(np.abs(starts - fit.theta) <= 1e-8 * np.maximum(1, np.abs(starts)), axis=1)))
    add("off_start_grid", not on_grid, not on_grid, f"{starts.shape[0]} starts")
    if fit.bounds is None:
        add("off_bounds", True, True, "unbounded fit")
    else:
        lo, hi = fit.bounds[:, 0], fit.bounds[:, 1]
        at = [n for n, t, a, b in zip(fit.param_names, fit.theta, lo, hi) if abs(t - a) <= 1e-6 or abs(t - b) <= 1e-6]
        add("off_bounds", not at, not at, ", ".join(at) or "none at a bound")
    held = [n for n, ok in zip(fit.param_names, finite) if not ok]
    block = hessian[np.ix_(finite, finite)]
    if np.isfinite(block).all() and block.size:
        eig = np.linalg.eigvalsh(block)
        cond = float(np.abs(eig).max() / np.abs(eig).min()) if np.abs(eig).min() > 0 else float("inf")
        pos = bool(eig.min() > 0)
        detail = f"eigenvalues {eig.min():.3g} .. {eig.max():.3g}" + ("" if pos else "; not positive definite")
    else:
        cond, pos, detail = float("inf"), False, "the Hessian is not finite at the optimum"
    if held:
        detail += f"; of the other parameters, with {', '.join(held)} at {'its' if len(held) == 1 else 'their'} limit"
    add("hessian_condition", cond, pos and cond < RIDGE_CONDITION, detail)
    add("starts_at_best", fit.n_at_best, None, f"{fit.n_at_best} of the starts run to convergence reach the best objective")
    n, p = int(fit.n_points), len(fit.param_names)
    add("points_per_parameter", n / p, n > p, f"{n} points, {p} parameters")
    if samples:
        spread = spread_problems(samples, natural or {})
        add("bootstrap_spread", not spread, not spread, ", ".join(spread) or "every fitted constant determined")
    else:
        spread = []
        add("bootstrap_spread", None, None, "no bootstrap for this fit")
    reasons = []
    if cond >= RIDGE_CONDITION:
        reasons.append(f"Hessian condition {cond:.3g}")
    if fit.bounds is not None and at:
        reasons.append(f"at a bound: {', '.join(at)}")
    if n <= p:
        reasons.append(f"{n} points for {p} parameters")
    if spread:
        reasons.append("bootstrap interval too wide: " + ", ".join(spread))
    add("identified", not reasons, not reasons, "; ".join(reasons) or "no identification problem found")
    return rows
