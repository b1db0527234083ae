"""A replicated quantity: point value plus bootstrap replicates, with intervals and their Monte Carlo errors."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..uncertainty.intervals import bootstrap_se, interval_mcse, percentile_interval, se_mcse


@dataclass
class Quantity:
    value: float
    samples: np.ndarray | None = None
    interval_kind: str = "bootstrap percentile"
    mcse: float | None = None  # Monte Carlo SE of ``value`` when the value itself is computed from bootstrap replicates
    mcse_method: str = ""
    signed: bool = False  # a difference, whose sign is the question: a positive value near 0 is not a poorly identified scale

    def interval(self, level: float) -> tuple[float, float]:
        if self.samples is None:
            return float("nan"), float("nan")
        return percentile_interval(self.samples, level)

    def interval_mcse(self, level: float) -> tuple[float, float]:
        """Monte Carlo SEs of the interval's two ends (order-statistic method)."""
        if self.samples is None:
            return float("nan"), float("nan")
        return interval_mcse(self.samples, level)

    @property
    def se(self) -> float:
        return bootstrap_se(self.samples) if self.samples is not None else float("nan")

    @property
    def se_mcse(self) -> float:
        return se_mcse(self.samples) if self.samples is not None else float("nan")

    def summary(self, levels=(0.8, 0.95)) -> dict:
        out = {"value": float(self.value)}
        if self.mcse is not None:
            out["mcse"] = float(self.mcse)
            out["mcse_method"] = self.mcse_method
        if self.samples is not None:
            out["se"] = self.se
            out["se_mcse"] = self.se_mcse
            out["interval_kind"] = self.interval_kind
            out["intervals"] = {f"{lv:g}": list(self.interval(lv)) for lv in levels}
            out["intervals_mcse"] = {f"{lv:g}": list(self.interval_mcse(lv)) for lv in levels}
        return out
