"""Digitisation errors of a fit's points, and replicates of the points moved within them.

A point read off a figure is known only to within its digitisation error (half-widths per input and target: the
digitiser's x_err, y_err and value_err, replication/digitise). A frame records the error of column ``c`` in
column ``c_err``; ``frame_errors`` collects those of a fit's inputs and target. ``perturbed_data`` draws replicates
of the points, each moved uniformly within the errors, one data set per replicate (arrays (size, n)), which the
engine fits like any data (fitting/engine.py takes inputs and targets per row).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from ..data.digitised_columns import ERR_SUFFIX
from ..laws.base import Inputs

if TYPE_CHECKING:  # the bootstrap's workers import this module; frames reach it only from the audit
    import pandas as pd

KIND_PERTURB = "perturbation within digitisation error"
KIND_PERTURB_BOOT = "perturbation within digitisation error with the point bootstrap"


@dataclass(frozen=True)
class PointErrors:
    """Half-widths of each point's digitisation error: per law input (n,), and of the target (n,) or None."""

    inputs: dict[str, np.ndarray] = field(default_factory=dict)
    target: np.ndarray | None = None
    columns: tuple[str, ...] = ()  # the error columns they were read from, for the record

    def any(self) -> bool:
        """Whether some point has a non-zero error."""
        arrays = list(self.inputs.values()) + ([self.target] if self.target is not None else [])
        return any(bool(np.any(np.nan_to_num(np.abs(a)) > 0)) for a in arrays)

    def subset(self, keep: np.ndarray) -> "PointErrors":
        """The errors of the points ``keep`` (a boolean mask or indices)."""
        return PointErrors({k: v[keep] for k, v in self.inputs.items()},
                           None if self.target is None else self.target[keep], self.columns)


def frame_errors(frame: pd.DataFrame, inputs: dict[str, str], target: str) -> PointErrors | None:
    """The errors a frame records for a fit's input columns (``inputs``: law input -> column) and target, from the
    columns named ``<column>_err``; None when it records none. A missing error (NaN) counts as zero."""
    cols = {k: c + ERR_SUFFIX for k, c in inputs.items() if c + ERR_SUFFIX in frame.columns}
    tcol = target + ERR_SUFFIX if target + ERR_SUFFIX in frame.columns else None
    if not cols and tcol is None:
        return None

    def values(col: str) -> np.ndarray:
        return np.nan_to_num(np.abs(frame[col].to_numpy(dtype=float)), nan=0.0)

    errors = PointErrors({k: values(c) for k, c in cols.items()}, values(tcol) if tcol else None,
                         tuple(cols.values()) + ((tcol,) if tcol else ()))
    return errors if errors.any() else None


def perturbed(values: np.ndarray, errors: np.ndarray | None, rng: np.random.Generator, positive: bool) -> np.ndarray:
    """``values`` moved uniformly within +-``errors`` (any leading replicate axis of ``values`` broadcast against
    them); positive values stay positive (at least a tenth of themselves)."""
    values = np.asarray(values, dtype=float)
    if errors is None:
        return values.copy()
    errors = np.nan_to_num(np.abs(np.asarray(errors, dtype=float)), nan=0.0)
    out = values + rng.uniform(-1.0, 1.0, size=values.shape) * errors
    return np.maximum(out, 0.1 * values) if positive else out


def perturbed_data(X: Inputs, y: np.ndarray, errors: PointErrors, size: int, rng: np.random.Generator,
                   positive_inputs: tuple[str, ...], positive_target: bool) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """``size`` replicates of the points, each input and the target moved within their errors: arrays (size, n),
    inputs first in the order of ``X``, then the target (inputs without errors repeated unchanged)."""
    y = np.asarray(y, dtype=float)
    out = {}
    for k, v in X.items():
        rows = np.broadcast_to(np.asarray(v, dtype=float), (size, y.shape[-1]))
        out[k] = perturbed(rows, errors.inputs.get(k), rng, k in positive_inputs)
    return out, perturbed(np.broadcast_to(y, (size, y.shape[-1])), errors.target, rng, positive_target)
