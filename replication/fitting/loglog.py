"""Power laws y = k x^a fitted by (weighted) least squares in log-log space, with two kinds of interval.

The *asymptotic* interval is the t-interval of the WLS slope (statsmodels; error scale estimated from the
residuals). The *bootstrap* interval is a seeded percentile interval from refits of redrawn points: either a
parametric redraw of each log y from a normal with its stated standard deviation, or a resample of the points.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Sequence

import numpy as np
import statsmodels.api as sm

from ..errors import FitError
from ..uncertainty.intervals import percentile_interval

BootstrapKind = Literal["parametric", "pairs"]

ASYMPTOTIC = "asymptotic t-interval of the weighted least-squares slope (error scale estimated from the residuals)"
BOOTSTRAP = {
    "parametric": "parametric bootstrap percentile interval: each log y redrawn from a normal with its stated "
    "standard deviation, the power law refitted by the same weighted regression",
    "pairs": "bootstrap percentile interval: the (x, y) points resampled with replacement, the power law refitted",
}


@dataclass(frozen=True)
class PowerLawFit:
    """y = coef * x**exponent, fitted in log-log by (weighted) least squares."""

    exponent: float
    log_coef: float
    se_exponent: float
    se_log_coef: float
    dof: int
    r2: float
    n: int
    weighted: bool
    cov_intercept_slope: float = float("nan")  # covariance of (ln k, a), for prediction intervals

    @property
    def coef(self) -> float:
        return float(np.exp(self.log_coef))

    def predict(self, x) -> np.ndarray:
        """The fitted power law at x."""
        return np.exp(self.log_coef + self.exponent * np.log(np.asarray(x, dtype=float)))

    def exponent_interval(self, level: float = 0.95) -> tuple[float, float]:
        """Asymptotic (t) interval of the exponent at ``level``."""
        from scipy.stats import t

        if self.dof <= 0:
            return float("nan"), float("nan")
        h = float(t.ppf((1 + level) / 2, self.dof)) * self.se_exponent
        return self.exponent - h, self.exponent + h

    def predict_interval(self, x: float, level: float = 0.95) -> tuple[float, float]:
        """Asymptotic (t) interval of the fitted power law's value at a single x (the line, not a new point)."""
        from scipy.stats import t

        if self.dof <= 0:
            return float("nan"), float("nan")
        lx = float(np.log(x))
        var = self.se_log_coef**2 + 2 * lx * self.cov_intercept_slope + lx**2 * self.se_exponent**2
        h = float(t.ppf((1 + level) / 2, self.dof)) * float(np.sqrt(var))
        centre = self.log_coef + self.exponent * lx
        return float(np.exp(centre - h)), float(np.exp(centre + h))


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


def _checked(x, y, sigma, what: str) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    x, y = np.asarray(x, dtype=float).ravel(), np.asarray(y, dtype=float).ravel()
    if x.shape != y.shape:
        raise FitError(f"{what}: x has {x.size} values but y has {y.size}. Fix: pass one y per x")
    s = None if sigma is None else np.asarray(sigma, dtype=float).ravel()
    cols = {"x": x, "y": y} | ({} if s is None else {"sigma": s})
    for name, v in cols.items():
        if v.shape != x.shape:
            raise FitError(f"{what}: {name} has {v.size} values, x has {x.size}. Fix: pass one {name} per point")
        bad = ~(np.isfinite(v) & (v > 0))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise FitError(f"{what}: {name} value {v[i]!r} at position {i} is not a positive finite number, but the "
                           f"fit takes logs (of x, y) or weights 1/sigma^2. Fix: drop or correct that point first")
    if np.unique(x).size < 2:
        raise FitError(f"{what}: the points need at least two distinct x values. Fix: add points")
    return x, y, s


def fit_power_law(x, y, sigma=None, what: str = "power-law fit") -> PowerLawFit:
    """Fit log y = log k + a log x by WLS with weights 1/sigma^2 (sigma = std of log y), or OLS if sigma is None."""
    x, y, s = _checked(x, y, sigma, what)
    X = sm.add_constant(np.log(x))
    w = np.ones_like(x) if s is None else 1.0 / s**2
    res = sm.WLS(np.log(y), X, weights=w).fit()
    ok = res.df_resid > 0
    bse = np.asarray(res.bse, dtype=float) if ok else np.full(2, np.nan)
    cov = float(np.asarray(res.cov_params())[0, 1]) if ok else float("nan")
    return PowerLawFit(exponent=float(res.params[1]), log_coef=float(res.params[0]), se_exponent=float(bse[1]),
                       se_log_coef=float(bse[0]), dof=int(res.df_resid), r2=float(res.rsquared), n=int(x.size),
                       weighted=s is not None, cov_intercept_slope=cov)


def wls_lines(log_x: np.ndarray, log_y: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Slopes and intercepts of many weighted lines at once: log_x, log_y, w of shape (B, n) or broadcastable.

    Rows with weight zero are ignored; a row with fewer than two distinct weighted x values gives NaN.
    """
    log_x, log_y, w = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (log_x, log_y, w)))
    sw = w.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mx = (w * log_x).sum(axis=-1) / sw
        my = (w * log_y).sum(axis=-1) / sw
        dx = log_x - mx[..., None]
        sxx = (w * dx**2).sum(axis=-1)
        slope = (w * dx * (log_y - my[..., None])).sum(axis=-1) / sxx
        slope = np.where(sxx > 1e-12 * np.maximum(sw, 1.0), slope, np.nan)
    return slope, my - slope * mx


def bootstrap_power_law(x, y, sigma=None, *, n_boot: int, seed: int | Sequence[int],
                        kind: BootstrapKind = "parametric", what: str = "power-law bootstrap") -> PowerLawBootstrap:
    """Seeded bootstrap refits of the power law (see the module docstring for the two kinds).

    ``parametric`` needs sigma (std of log y per point) and keeps the weights 1/sigma^2; ``pairs`` resamples
    points with replacement and uses the weights of the drawn points (1/sigma^2, or equal if sigma is None).
    """
    x, y, s = _checked(x, y, sigma, what)
    if n_boot < 1:
        raise FitError(f"{what}: n_boot must be at least 1, got {n_boot}. Fix: ask for a positive number of resamples")
    seed_t = tuple(int(v) for v in np.atleast_1d(seed))
    rng = np.random.default_rng(np.random.SeedSequence(list(seed_t)))
    lx, ly = np.log(x), np.log(y)
    w = np.ones_like(x) if s is None else 1.0 / s**2
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
