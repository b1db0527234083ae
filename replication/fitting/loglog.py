"""Power laws y = k x^a fitted by (weighted) least squares in log-log space, with two kinds of interval.

The *asymptotic* interval is the t-interval of the WLS slope (statsmodels; error scale estimated from the
residuals). Bootstrap refits of these lines are in ``uncertainty/power_law.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from statsmodels.regression.linear_model import WLS  # not statsmodels.api: its import costs every process 0.4 s more
from statsmodels.tools.tools import add_constant

from ..errors import FitError

ASYMPTOTIC = "asymptotic t-interval of the weighted least-squares slope (error scale estimated from the residuals)"


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


def check_points(x, y, sigma, what: str) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
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
    x, y, s = check_points(x, y, sigma, what)
    X = add_constant(np.log(x))
    w = np.ones_like(x) if s is None else 1.0 / s**2
    res = WLS(np.log(y), X, weights=w).fit()
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
