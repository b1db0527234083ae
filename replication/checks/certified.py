"""The certified-optimum check of a fit: the profiled exponent search (fitting/profiled.py) against the multi-start
optimum, as a fit-health row and a record for the fit's result."""

from __future__ import annotations

import numpy as np

from ..errors import FitError
from ..fitting.objectives import Objective
from ..fitting.profiled import certify, structure_of
from ..fitting.result import FitResult
from ..laws.base import Inputs, Law
from .fit_health import health_row


def certified_check(paper: str, fit_name: str, law: Law, objective: Objective, X: Inputs, y: np.ndarray,
                    point: FitResult, starts: np.ndarray) -> tuple[dict | None, dict | None]:
    """(record for the fit's result, fit-health row), or (None, None) when the law has no linear structure."""
    if structure_of(law) is None:
        return None, None
    try:
        cert = certify(law, objective, X, y, point.theta, point.fun, starts=starts)
    except (FitError, ValueError, np.linalg.LinAlgError) as exc:
        return None, health_row(paper, fit_name, "certified", None, None,
                                f"the profiled search could not run ({type(exc).__name__}: {exc})")
    record = cert.as_dict(law.params)
    record["summary"] = cert.summary()
    return record, health_row(paper, fit_name, "certified", float(cert.gap), not cert.lower_found, cert.summary())
