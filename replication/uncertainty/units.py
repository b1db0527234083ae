"""The resampling unit a bootstrap spec declares, turned into one cluster label per point.

``unit: points`` (the default) resamples single points; ``configurations`` draws all runs that share the values of
the declared ``columns`` (e.g. the same N and D) together; ``groups`` does the same for curves, families or tasks.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import DataError
from ..metadata.paper import check_bootstrap_unit


def unit_name(spec: dict) -> str:
    """How an interval's description names the unit, e.g. "configurations (N, D)"."""
    unit = spec.get("unit", "points")
    return "data points" if unit == "points" else f"{unit} ({', '.join(spec['columns'])}), drawn whole"


def bootstrap_groups(frame: pd.DataFrame, spec: dict, where: str) -> tuple[np.ndarray | None, str]:
    """Cluster labels (None for points) and the unit's name, for the rows of ``frame`` a fit uses."""
    try:
        check_bootstrap_unit(spec, "bootstrap")
    except ValueError as exc:
        raise DataError(where, "bootstrap.unit", str(exc), "declare unit and columns in the bootstrap spec") from None
    if spec.get("unit", "points") == "points":
        return None, unit_name(spec)
    missing = [c for c in spec["columns"] if c not in frame.columns]
    if missing:
        raise DataError(where, "bootstrap.columns", f"column {missing[0]!r} is not in the fitted points",
                        f"use columns of the points: {list(frame.columns)}")
    labels = frame.groupby(list(spec["columns"]), sort=False, dropna=False).ngroup().to_numpy()
    return labels, unit_name(spec)
