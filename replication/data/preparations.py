"""Preparation steps shared by every paper that fits the same released points, named in a fit's data.prepare.

A paper's replicate.py holds the steps only it needs; a step two papers would otherwise copy lives here once
(``Audit.run_fits`` looks a name up in replicate.py's steps first, then here).
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import pandas as pd


def chinchilla_points(points: pd.DataFrame, audit=None) -> pd.DataFrame:
    """The 245 Chinchilla Figure 4 points by loss, the 240 lowest flagged ``fitted`` (Besiroglu et al. drop the 5
    highest-loss points; fits select the rest with data.where), D = FLOP / (6 N), with its digitisation error from
    those of FLOP and N (relative errors added in quadrature)."""
    points = points.sort_values("loss", kind="stable")
    rel = np.hypot(points["Training FLOP_err"] / points["Training FLOP"], points["Model Size_err"] / points["Model Size"])
    return points.assign(D=points["Training FLOP"] / (6 * points["Model Size"]), fitted=np.arange(len(points)) < 240,
                         D_err=lambda p: rel * p["D"])


PREPARATIONS: dict[str, Callable[..., pd.DataFrame]] = {"chinchilla_points": chinchilla_points}
