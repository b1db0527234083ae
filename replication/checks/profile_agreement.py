"""Profile intervals of a fit's headline quantities beside their bootstrap intervals, and whether they agree."""

from __future__ import annotations

from typing import Callable

import numpy as np

from ..fitting.loglog import PowerLawFit
from ..fitting.objectives import Objective
from ..fitting.result import FitResult
from ..laws.base import Inputs, Law
from ..uncertainty.profile import LINE_CALIBRATION, profile_interval, profiled_quantities
from .quantity import Quantity
from .verdicts import MC_SE_MULTIPLE

LEVEL = 0.95
RULE = (f"the profile and bootstrap {LEVEL:.0%} intervals disagree when an end of one differs from the same end of the "
        f"other by more than {MC_SE_MULTIPLE:g} Monte Carlo standard errors of the bootstrap end (order-statistic "
        "method), or when only one of them reaches that end")

COLUMNS = ["paper", "fit", "quantity", "value", "profile_low", "profile_high", "bootstrap_low", "bootstrap_high",
           "bootstrap_low_mcse", "bootstrap_high_mcse", "level", "agreement", "detail", "calibration"]


def _differs(p_end: float, reached: bool, b_end: float, mcse: float) -> bool:
    if not reached or not np.isfinite(b_end):
        return reached != bool(np.isfinite(b_end))
    return abs(p_end - b_end) > MC_SE_MULTIPLE * (mcse if np.isfinite(mcse) else 0.0)


def profile_rows(paper: str, fit: str, prefix: str, law: Law, objective: Objective, X: Inputs, y: np.ndarray,
                 point: FitResult, quantities: dict[str, Quantity], settings: dict) -> list[dict]:
    """One row per headline quantity of the fit that has bootstrap replicates (see uncertainty/profile.py)."""
    rows = []
    for name, elim in profiled_quantities(law, settings).items():
        q = quantities.get(prefix + name)
        if q is None or q.samples is None or not np.isfinite(q.value):
            continue
        se = q.se
        step = se if np.isfinite(se) and se > 0 else 0.05 * max(abs(q.value), 1e-3)
        pi = profile_interval(law, objective, X, y, point, name, elim, q.value, step, LEVEL)
        rows.append(_row(paper, fit, prefix + name, q, pi.low, pi.high, pi.low_reached, pi.high_reached,
                         pi.lower_optimum, pi.calibration))
    return rows


def _row(paper: str, fit: str, name: str, q: Quantity, low: float, high: float, low_reached: bool = True,
         high_reached: bool = True, lower_optimum: bool = False, calibration: str = "") -> dict:
    """A profile.csv row: the profile interval beside the quantity's bootstrap interval, and whether they agree."""
    (b_lo, b_hi), (m_lo, m_hi) = q.interval(LEVEL), q.interval_mcse(LEVEL)
    bad = [side for side, args in (("low", (low, low_reached, b_lo, m_lo)),
                                   ("high", (high, high_reached, b_hi, m_hi))) if _differs(*args)]
    detail = []
    if bad:
        detail.append(f"the {' and '.join(bad)} end(s) differ by more than {MC_SE_MULTIPLE:g} Monte Carlo SEs")
    for side, ok in (("low", low_reached), ("high", high_reached)):
        if not ok:
            detail.append(f"the profile's {side} end was not reached within 12 bootstrap SEs (or the quantity's bound)")
    if lower_optimum:
        detail.append("the profile went below the fit's optimum: the fit is not at the criterion's minimum")
    return {"paper": paper, "fit": fit, "quantity": name, "value": float(q.value),
            "profile_low": low, "profile_high": high, "bootstrap_low": b_lo, "bootstrap_high": b_hi,
            "bootstrap_low_mcse": m_lo, "bootstrap_high_mcse": m_hi, "level": LEVEL,
            "agreement": "disagree" if bad else "agree", "detail": "; ".join(detail) or "agree within Monte Carlo error",
            "calibration": calibration}


def line_profile_rows(paper: str, fit: str, line: PowerLawFit, of_slope: Callable[[float], dict[str, float]],
                      quantities: dict[str, Quantity]) -> list[dict]:
    """Rows for an Approach-2 line x* = k C^a through the minima: the profile interval of a (the line's criterion
    profiled in a, LINE_CALIBRATION in uncertainty/profile.py: the line's t interval) carried to each quantity
    ``of_slope(a)`` names (each monotone in a, e.g. a_alloc and b_alloc), beside its bootstrap interval."""
    lo, hi = line.exponent_interval(LEVEL)
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return []
    at_lo, at_hi = of_slope(lo), of_slope(hi)
    rows = []
    for name in at_lo:
        q = quantities.get(name)
        if q is None or q.samples is None or not np.isfinite(q.value):
            continue
        ends = sorted((float(at_lo[name]), float(at_hi[name])))
        rows.append(_row(paper, fit, name, q, ends[0], ends[1], calibration=LINE_CALIBRATION))
    return rows
