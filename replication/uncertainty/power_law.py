"""Seeded bootstrap refits of a power law y = k x^a fitted in log-log (fitting/loglog.py), with percentile intervals.

Either a parametric redraw of each log y from a normal with its stated standard deviation, or a resample of the
points; every replicate is refitted by the same weighted regression (all at once, ``wls_lines``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Sequence

import numpy as np

from ..errors import FitError
from ..fitting.loglog import check_points, wls_lines
from .intervals import percentile_interval

BootstrapKind = Literal["parametric", "pairs"]

BOOTSTRAP = {
    "parametric": "parametric bootstrap percentile interval: each log y redrawn from a normal with its stated "
    "standard deviation, the power law refitted by the same weighted regression",
    "pairs": "bootstrap percentile interval: the (x, y) points resampled with replacement, the power law refitted",
}


@dataclass(frozen=True)
class PowerLawBootstrap:
    """Refitted exponents and log-coefficients, one per bootstrap replicate."""

    exponent: np.ndarray
    log_coef: np.ndarray
    kind: str
    seed: tuple[int, ...]

    @property
    def n(self) -> int:
        return int(self.exponent.size)

    @property
    def description(self) -> str:
        return BOOTSTRAP[self.kind]

    def exponent_interval(self, level: float = 0.95) -> tuple[float, float]:
        return percentile_interval(self.exponent, level)

    def predict(self, x: float) -> np.ndarray:
        """The replicates' predictions at a single x."""
        return np.exp(self.log_coef + self.exponent * np.log(float(x)))


def bootstrap_power_law(x, y, sigma=None, *, n_boot: int, seed: int | Sequence[int],
                        kind: BootstrapKind = "parametric", what: str = "power-law bootstrap",
                        weighted: bool = True) -> PowerLawBootstrap:
    """Seeded bootstrap refits of the power law (see the module docstring for the two kinds).

    ``parametric`` needs sigma (std of log y per point) and keeps the weights 1/sigma^2; ``pairs`` resamples
    points with replacement and uses the weights of the drawn points (1/sigma^2, or equal if sigma is None).
    ``weighted=False`` refits every replicate with equal weights (sigma still sets the parametric noise), for an
    unweighted point estimate.
    """
    x, y, s = check_points(x, y, sigma, what)
    if n_boot < 1:
        raise FitError(f"{what}: n_boot must be at least 1, got {n_boot}. Fix: ask for a positive number of resamples")
    seed_t = tuple(int(v) for v in np.atleast_1d(seed))
    rng = np.random.default_rng(np.random.SeedSequence(list(seed_t)))
    lx, ly = np.log(x), np.log(y)
    w = np.ones_like(x) if s is None or not weighted else 1.0 / s**2
    if kind == "parametric":
        if s is None:
            raise FitError(f"{what}: a parametric bootstrap needs sigma (the std of log y). "
                           "Fix: pass sigma or use kind='pairs'")
        ly_b = ly + s * rng.standard_normal((n_boot, x.size))
        slope, icpt = wls_lines(lx, ly_b, w)
    elif kind == "pairs":
        idx = rng.integers(0, x.size, size=(n_boot, x.size))
        slope, icpt = wls_lines(lx[idx], ly[idx], w[idx])
    else:
        raise FitError(f"{what}: unknown bootstrap kind {kind!r}. Fix: use 'parametric' or 'pairs'")
    return PowerLawBootstrap(exponent=slope, log_coef=icpt, kind=kind, seed=seed_t)
