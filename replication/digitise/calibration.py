"""Axis calibration: a linear map from figure position to the value (or its log10), fitted to tick pairs."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Tick:
    """A tick position in figure units with its value, and where it came from."""

    position: float
    value: float
    label: str = ""
    source: str = "record"  # 'tick mark' | 'label position' | 'record'


@dataclass(frozen=True)
class AxisCalibration:
    """u = intercept + slope * position, where u is the value (linear) or its log10 (log)."""

    axis: str
    scale: str  # 'linear' | 'log'
    intercept: float
    slope: float
    ticks: tuple[Tick, ...]
    residual: float  # RMS of tick position minus the position the fit puts their value at (figure units)
    source: str  # 'labels' | 'record'
    anchor_err: float = 0.0  # uncertainty of tick positions taken from label positions (figure units)
    notes: tuple[str, ...] = field(default_factory=tuple)

    def value(self, position: np.ndarray | float) -> np.ndarray:
        """Data value at figure position(s)."""
        u = self.intercept + self.slope * np.asarray(position, dtype=float)
        return 10.0 ** u if self.scale == "log" else u

    def error(self, position: np.ndarray | float, position_err: np.ndarray | float) -> np.ndarray:
        """Data-unit error of a value read at ``position`` with a figure-unit error (first order), with the
        calibration residual; the label-anchoring error shifts every point alike and is recorded on its own."""
        pos_err = np.sqrt(np.asarray(position_err, dtype=float) ** 2 + self.residual ** 2)
        du = abs(self.slope) * pos_err
        if self.scale == "log":
            return self.value(position) * np.log(10.0) * du
        return du * np.ones_like(np.asarray(position, dtype=float))

    def position(self, value: np.ndarray | float) -> np.ndarray:
        """Figure position of data value(s)."""
        v = np.asarray(value, dtype=float)
        u = np.log10(v) if self.scale == "log" else v
        return (u - self.intercept) / self.slope


def fit_axis(axis: str, ticks: list[Tick], scale: str | None, source: str) -> AxisCalibration:
    """Least-squares calibration through the ticks; ``scale`` None chooses linear or log by the smaller residual."""
    if len(ticks) < 2:
        raise ValueError(f"{axis} axis: {len(ticks)} tick(s) with a value, at least 2 are needed")
    positions = np.array([t.position for t in ticks], dtype=float)
    values = np.array([t.value for t in ticks], dtype=float)
    if np.ptp(positions) <= 0:
        raise ValueError(f"{axis} axis: every tick is at the same position")
    candidates = [scale] if scale else (["linear", "log"] if np.all(values > 0) else ["linear"])
    best: AxisCalibration | None = None
    for sc in candidates:
        if sc == "log" and np.any(values <= 0):
            raise ValueError(f"{axis} axis: a log scale needs positive tick values, got {values.min():g}")
        u = np.log10(values) if sc == "log" else values
        slope, intercept = np.polyfit(positions, u, 1)
        if slope == 0:
            continue
        fitted_pos = (u - intercept) / slope
        residual = float(np.sqrt(np.mean((fitted_pos - positions) ** 2))) if len(ticks) > 2 else 0.0
        cal = AxisCalibration(axis=axis, scale=sc, intercept=float(intercept), slope=float(slope),
                              ticks=tuple(ticks), residual=residual, source=source)
        if best is None or residual < best.residual - 1e-9 * max(1.0, np.ptp(positions)):
            best = cal
    if best is None:
        raise ValueError(f"{axis} axis: the tick values do not change with position")
    return best


def choose_scale(values: list[float], powers: list[bool]) -> str | None:
    """The scale the labels imply when the positions cannot decide (two ticks): log when the labels are written as
    powers (10^k, a×10^k, 1e5) or with SI suffixes, as log axes label them; None (let the fit decide) otherwise."""
    if len(values) == 2:
        return "log" if all(v > 0 for v in values) and any(powers) else "linear"
    return None
