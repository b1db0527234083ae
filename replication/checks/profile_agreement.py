"""Profile intervals of a fit's headline quantities beside their bootstrap intervals, and whether they agree."""

from __future__ import annotations

import numpy as np

from ..fitting.objectives import Objective
from ..fitting.result import FitResult
from ..laws.base import Inputs, Law
from ..uncertainty.profile import profile_interval, profiled_quantities
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
        (b_lo, b_hi), (m_lo, m_hi) = q.interval(LEVEL), q.interval_mcse(LEVEL)
        bad = [side for side, args in (("low", (pi.low, pi.low_reached, b_lo, m_lo)),
                                       ("high", (pi.high, pi.high_reached, b_hi, m_hi))) if _differs(*args)]
        detail = []
        if bad:
            detail.append(f"the {' and '.join(bad)} end(s) differ by more than {MC_SE_MULTIPLE:g} Monte Carlo SEs")
        for side, ok in (("low", pi.low_reached), ("high", pi.high_reached)):
            if not ok:
                detail.append(f"the profile's {side} end was not reached within 12 bootstrap SEs (or the quantity's bound)")
        if pi.lower_optimum:
            detail.append("the profile went below the fit's optimum: the fit is not at the criterion's minimum")
        rows.append({"paper": paper, "fit": fit, "quantity": prefix + name, "value": float(q.value),
                     "profile_low": pi.low, "profile_high": pi.high, "bootstrap_low": b_lo, "bootstrap_high": b_hi,
                     "bootstrap_low_mcse": m_lo, "bootstrap_high_mcse": m_hi, "level": LEVEL,
                     "agreement": "disagree" if bad else "agree", "detail": "; ".join(detail) or "agree within Monte Carlo error",
                     "calibration": pi.calibration})
    return rows
