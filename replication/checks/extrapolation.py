"""The extrapolation check: fit on runs below a threshold, score predictions of the held-out larger runs.

The errors and the fit-then-score step live in fitting/scoring.py (shared with grouped fits); this module splits.
"""

from __future__ import annotations

import numpy as np

from ..fitting.scoring import extrapolation_errors, fit_and_score

__all__ = ["extrapolation_errors", "fit_and_score", "split_by_threshold"]


def split_by_threshold(values: np.ndarray, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Boolean masks (fit, held out): held out are the runs at or above the threshold."""
    v = np.asarray(values, dtype=float)
    return v < threshold, v >= threshold
