"""The optimum of each IsoFLOP curve (loss against model size or tokens at one compute budget), and its bootstrap.

Two estimators of the per-budget optimum: a second-degree polynomial of the loss in ln x (Llama 3 style) and an
Akima interpolation of ln loss against ln x, minimised on a geometric grid (Porian et al. style). The bootstrap
resamples the points within each budget, refits every budget's optimum and then the power law across budgets.
Runs not laid out on exact budgets are grouped by a compute tolerance first (``isoflop_minima``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Sequence

import numpy as np
import pandas as pd

from ..errors import AuditError, FitError
from .loglog import wls_lines

Method = Literal["quadratic", "akima"]


@dataclass(frozen=True)
class Quadratic:
    """loss = c0 + c1 u + c2 u^2 with u = ln x - centre; the minimum is at u = -c1 / (2 c2) when c2 > 0."""

    c0: float
    c1: float
    c2: float
    centre: float

    @property
    def has_minimum(self) -> bool:
        return bool(self.c2 > 0)

    @property
    def x_opt(self) -> float:
        return float(np.exp(self.centre - self.c1 / (2 * self.c2))) if self.has_minimum else float("nan")

    @property
    def loss_opt(self) -> float:
        return float(self.c0 - self.c1**2 / (4 * self.c2)) if self.has_minimum else float("nan")

    def __call__(self, x) -> np.ndarray:
        u = np.log(np.asarray(x, dtype=float)) - self.centre
        return self.c0 + self.c1 * u + self.c2 * u**2


def _check_curve(x, loss, what: str) -> tuple[np.ndarray, np.ndarray]:
    x, loss = np.asarray(x, dtype=float).ravel(), np.asarray(loss, dtype=float).ravel()
    if x.shape != loss.shape:
        raise FitError(f"{what}: {x.size} x values but {loss.size} losses. Fix: pass one loss per x")
    bad = ~(np.isfinite(x) & (x > 0) & np.isfinite(loss))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise FitError(f"{what}: point {i} has x = {x[i]!r}, loss = {loss[i]!r}; x must be positive and both finite. "
                       "Fix: drop or correct the point")
    if np.unique(x).size < 3:
        raise FitError(f"{what}: an IsoFLOP curve needs at least three distinct x values to locate an optimum. "
                       "Fix: drop the budget or add points")
    return x, loss


def quadratic_fits(u: np.ndarray, loss: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weighted least-squares quadratics loss ~ c0 + c1 u + c2 u^2 for many weight rows w (B, m) at once.

    Returns (c0, c1, c2), each (B,); a row whose weights cover fewer than three distinct u gives NaN.
    """
    u, loss, w = (np.asarray(v, dtype=float) for v in (u, loss, w))
    V = np.stack([np.ones_like(u), u, u**2], axis=-1)  # (m, 3)
    A = np.einsum("bm,mi,mj->bij", w, V, V)
    b = np.einsum("bm,mi,m->bi", w, V, loss)
    _, which = np.unique(u, return_inverse=True)  # points sharing a u count once
    weight_per_u = (w > 0).astype(float) @ np.eye(which.max() + 1)[which]  # (B, distinct u)
    distinct = (weight_per_u > 0).sum(1)
    ok = distinct >= 3
    coef = np.full((w.shape[0], 3), np.nan)
    if ok.any():
        coef[ok] = np.linalg.solve(A[ok], b[ok][..., None])[..., 0]
    return coef[:, 0], coef[:, 1], coef[:, 2]


def quadratic_fit(x, loss, what: str = "IsoFLOP quadratic") -> Quadratic:
    """Least-squares quadratic of the loss in ln x (centred for conditioning)."""
    x, loss = _check_curve(x, loss, what)
    u = np.log(x)
    centre = float(u.mean())
    c0, c1, c2 = quadratic_fits(u - centre, loss, np.ones((1, u.size)))
    return Quadratic(float(c0[0]), float(c1[0]), float(c2[0]), centre)


def akima_curves(x: np.ndarray, y: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Akima interpolants of many curves at once: rows of ``x`` (G, m, strictly increasing) and ``y`` (G, m), each
    evaluated at its row of ``at`` (G, q) within [x[0], x[-1]].

    The same numbers as scipy's Akima1DInterpolator (method "akima") row by row, to the bit (tests check it): its
    slopes, the cubic Hermite coefficients and the piecewise-polynomial evaluation, in the same operations. scipy
    builds one interpolant per call (about 0.3 ms of checks each); a bootstrap of IsoFLOP minima needs tens of
    thousands, each on its own abscissae, which one call per curve cannot batch."""
    G, m = x.shape
    dx = np.diff(x, axis=1)
    M = np.empty((G, m + 3))  # the secant slopes with two extrapolated on each side
    M[:, 2:-2] = np.diff(y, axis=1) / dx
    M[:, 1] = 2.0 * M[:, 2] - M[:, 3]
    M[:, 0] = 2.0 * M[:, 1] - M[:, 2]
    M[:, -2] = 2.0 * M[:, -3] - M[:, -4]
    M[:, -1] = 2.0 * M[:, -2] - M[:, -3]
    dm = np.abs(np.diff(M, axis=1))
    f1, f2 = dm[:, 2:], dm[:, :-2]
    f12 = f1 + f2
    defined = f12 > 1e-9 * f12.max(axis=1, keepdims=True)  # elsewhere the slope is the mean of the outer secants
    with np.errstate(invalid="ignore", divide="ignore"):
        weighted = M[:, 1:-2] + (f2 / f12) * (M[:, 2:-1] - M[:, 1:-2])
    t = np.where(defined, weighted, 0.5 * (M[:, 3:] + M[:, :-3]))
    slope = np.diff(y, axis=1) / dx
    tc = (t[:, :-1] + t[:, 1:] - 2 * slope) / dx
    c0, c1, c2, c3 = tc / dx, (slope - t[:, :-1]) / dx - tc, t[:, :-1], y[:, :-1]
    i = np.clip(np.stack([np.searchsorted(xr, ar, side="right") for xr, ar in zip(x, at)]) - 1, 0, m - 2)
    rows = np.arange(G)[:, None]
    s = at - x[rows, i]
    s2 = s * s
    return ((c3[rows, i] + c2[rows, i] * s) + c1[rows, i] * s2) + c0[rows, i] * (s2 * s)


def akima_minima(x: np.ndarray, loss: np.ndarray, grid_factor: int = 25) -> tuple[np.ndarray, np.ndarray]:
    """``akima_minimum`` of many curves of m points each: rows of ``x`` and ``loss`` (G, m), every x of a row
    distinct, positive and finite (the caller checks). Returns (x_opt, loss_opt), each (G,), NaN as there."""
    x, loss = np.asarray(x, dtype=float), np.asarray(loss, dtype=float)
    order = np.argsort(x, axis=1)
    x, loss = np.take_along_axis(x, order, axis=1), np.take_along_axis(loss, order, axis=1)
    n_grid = (x.shape[1] - 1) * grid_factor
    grid = np.stack([np.geomspace(a, b, n_grid) for a, b in zip(x[:, 0], x[:, -1])])
    with np.errstate(over="ignore"):
        curve = np.exp(akima_curves(np.log(x), np.log(loss), np.log(grid)))
    at = np.argmin(curve, axis=1)
    rows = np.arange(x.shape[0])
    # the interpolant ran off (e.g. two sizes almost equal with different losses), or the minimum is at an end:
    # no minimum it locates can be trusted
    ok = np.all(np.isfinite(curve) & (curve > 0), axis=1) & (at > 0) & (at < n_grid - 1)
    return np.where(ok, grid[rows, at], np.nan), np.where(ok, curve[rows, at], np.nan)


def akima_minimum(x, loss, grid_factor: int = 25, what: str = "IsoFLOP Akima interpolation") -> tuple[float, float]:
    """Minimum of the Akima interpolant of ln loss in ln x on a geometric grid of (m - 1) * grid_factor points.

    Returns (x_opt, loss_opt), or NaNs when the grid minimum is at either end (no interior optimum) or the
    interpolated loss overflows or vanishes somewhere on the grid.
    """
    x, loss = _check_curve(x, loss, what)
    if np.unique(x).size != x.size:
        raise FitError(f"{what}: repeated x values; the interpolation needs one loss per x. "
                       "Fix: keep one point per x (e.g. the lowest loss) before calling")
    x_opt, loss_opt = akima_minima(x[None, :], loss[None, :], grid_factor)
    return float(x_opt[0]), float(loss_opt[0])


def budget_optima(frame: pd.DataFrame, budget: str, x: str, loss: str, method: Method = "quadratic",
                  grid_factor: int = 25, sparse_ok: bool = False) -> pd.DataFrame:
    """One row per budget: number of points, the optimum x_opt and loss_opt, and whether it is a valid optimum.

    A budget with fewer than three distinct x is an error, or with ``sparse_ok`` (a resample of the runs, which can
    draw too few of a budget's runs) a row without a valid optimum."""
    missing = [c for c in (budget, x, loss) if c not in frame.columns]
    if missing:
        raise FitError(f"IsoFLOP optima: the table has no column {missing[0]!r}. Fix: use one of {list(frame.columns)}")
    rows = []
    for c, g in frame.groupby(budget, sort=True):
        what = f"IsoFLOP curve at {budget} = {c:.3g}"
        if sparse_ok and g[x].nunique() < 3:
            rows.append({budget: float(c), "n_points": len(g), "x_opt": float("nan"), "loss_opt": float("nan"),
                         "valid": False, "inside_range": False, "note": "fewer than three distinct sizes"})
        elif method == "quadratic":
            q = quadratic_fit(g[x], g[loss], what)
            xo, lo = q.x_opt, q.loss_opt
            inside = bool(np.isfinite(xo) and g[x].min() <= xo <= g[x].max())
            note = "" if q.has_minimum else "the fitted quadratic opens downwards (no minimum)"
            if q.has_minimum and not inside:
                note = "the minimum lies outside the sampled range"
            rows.append({budget: float(c), "n_points": len(g), "x_opt": xo, "loss_opt": lo, "valid": q.has_minimum,
                         "inside_range": inside, "c0": q.c0, "c1": q.c1, "c2": q.c2, "centre": q.centre, "note": note})
        elif method == "akima":
            xo, lo = akima_minimum(g[x], g[loss], grid_factor, what)
            ok = bool(np.isfinite(xo))
            rows.append({budget: float(c), "n_points": len(g), "x_opt": xo, "loss_opt": lo, "valid": ok,
                         "inside_range": ok, "note": "" if ok else "optimum at the edge of the sampled range"})
        else:
            raise FitError(f"IsoFLOP optima: unknown method {method!r}. Fix: use 'quadratic' or 'akima'")
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class OptimaBootstrap:
    """Within-budget bootstrap: optima per replicate and budget, and the power law refitted across budgets."""

    budgets: np.ndarray  # (n_budgets,)
    x_opt: np.ndarray  # (B, n_budgets), NaN where a resample has no minimum
    exponent: np.ndarray  # (B,)
    log_coef: np.ndarray  # (B,)
    seed: tuple[int, ...]

    @property
    def n(self) -> int:
        return int(self.exponent.size)

    @property
    def n_dropped(self) -> int:
        """(replicate, budget) pairs whose resampled curve had no minimum and were left out of that refit."""
        return int((~np.isfinite(self.x_opt)).sum())

    def predict(self, c: float) -> np.ndarray:
        return np.exp(self.log_coef + self.exponent * np.log(float(c)))

    description = ("bootstrap percentile interval: the points of each IsoFLOP curve resampled with replacement "
                   "within their budget, every budget's quadratic refitted, then the power law across budgets")


def bootstrap_quadratic_optima(frame: pd.DataFrame, budget: str, x: str, loss: str, *, n_boot: int,
                               seed: int | Sequence[int], budgets: Sequence[float] | None = None) -> OptimaBootstrap:
    """Resample points within each budget (seeded, one child stream per budget), refit every quadratic and the
    log-log line x_opt = k C^a across budgets (ordinary least squares, as for the point estimate).

    A budget whose resampled curve has no minimum is left out of that replicate's line fit (counted in n_dropped).
    ``budgets`` restricts the fit to those budgets (e.g. for an extrapolation check); default all.
    """
    if n_boot < 1:
        raise FitError(f"IsoFLOP bootstrap: n_boot must be at least 1, got {n_boot}. Fix: ask for a positive number")
    seed_t = tuple(int(v) for v in np.atleast_1d(seed))
    groups = dict(tuple(frame.groupby(budget, sort=True)))
    keys = sorted(groups) if budgets is None else [float(b) for b in budgets]
    absent = [b for b in keys if b not in groups]
    if absent:
        raise FitError(f"IsoFLOP bootstrap: no points at {budget} = {absent[0]!r}. "
                       "Fix: choose budgets present in the data")
    children = np.random.SeedSequence(list(seed_t)).spawn(len(groups))
    index = {b: i for i, b in enumerate(sorted(groups))}  # child stream fixed by the budget, not by the subset asked
    x_opt = np.full((n_boot, len(keys)), np.nan)
    for j, c in enumerate(keys):
        g = groups[c]
        xs, ls = _check_curve(g[x], g[loss], f"IsoFLOP curve at {budget} = {c:.3g}")
        u = np.log(xs)
        centre = u.mean()
        rng = np.random.default_rng(children[index[c]])
        draws = rng.integers(0, u.size, size=(n_boot, u.size))
        w = np.zeros((n_boot, u.size))
        np.add.at(w, (np.arange(n_boot)[:, None], draws), 1.0)
        _, c1, c2 = quadratic_fits(u - centre, ls, w)
        with np.errstate(invalid="ignore", divide="ignore"):
            x_opt[:, j] = np.where(c2 > 0, np.exp(centre - c1 / (2 * c2)), np.nan)
    ok = np.isfinite(x_opt)
    log_c = np.broadcast_to(np.log(np.asarray(keys, dtype=float)), x_opt.shape)
    slope, icpt = wls_lines(log_c, np.where(ok, np.log(np.where(ok, x_opt, 1.0)), 0.0), ok.astype(float))
    return OptimaBootstrap(np.asarray(keys, dtype=float), x_opt, slope, icpt, seed_t)

# -- budgets found by compute tolerance (runs not laid out on exact IsoFLOP budgets) ------------------------
# A run belongs to a budget when its compute is within a relative ``tolerance`` of it. Per budget the best
# (lowest-loss) run of each model size is kept; with at least three sizes, log loss is located over log size
# (the Akima interpolant above, or a parabola) and the minimum is accepted only strictly inside the size range.
# The power-law fit of N* on C is then an ordinary law fit (``compute_optimal``).

MINIMA_METHODS = ("akima", "parabola")


def isoflop_minima(
    compute: np.ndarray,
    size: np.ndarray,
    loss: np.ndarray,
    budgets: np.ndarray,
    *,
    tolerance: float = 0.1,
    method: str = "akima",
    points_per_interval: int = 25,
) -> pd.DataFrame:
    """One row per budget: runs and sizes found, and the optimum N* (NaN when none is inside the size range).

    ``points_per_interval`` sets the Akima grid: (sizes - 1) * points_per_interval points evenly spaced in log size.
    """
    if method not in MINIMA_METHODS:
        raise AuditError(f"isoflop_minima: unknown method '{method}'; use one of {MINIMA_METHODS}")
    compute, size, loss = (np.asarray(v, dtype=float) for v in (compute, size, loss))
    if not (compute.shape == size.shape == loss.shape):
        raise AuditError("isoflop_minima: compute, size and loss must have the same length")
    rows = []
    for budget in np.asarray(budgets, dtype=float):
        near = np.abs(np.log(compute / budget)) <= np.log1p(tolerance) + 1e-12
        best = pd.Series(loss[near]).groupby(size[near]).min().sort_index()
        row = {"budget": budget, "n_runs": int(near.sum()), "n_sizes": int(len(best)),
               "N_star": np.nan, "loss_star": np.nan, "note": ""}
        if len(best) < 3:
            row["note"] = "fewer than 3 model sizes"
        else:
            x, y = np.log(best.index.to_numpy(dtype=float)), np.log(best.to_numpy(dtype=float))
            x_star, y_star, note = curve_minimum(x, y, method, points_per_interval)
            row.update(N_star=float(np.exp(x_star)), loss_star=float(np.exp(y_star)), note=note)
        rows.append(row)
    return pd.DataFrame(rows)


def curve_minimum(x: np.ndarray, y: np.ndarray, method: str, points_per_interval: int) -> tuple[float, float, str]:
    """(log N*, log L*, note); NaN with a note when the minimum is on the edge of the size range."""
    if method == "akima":
        n_opt, loss_opt = akima_minimum(np.exp(x), np.exp(y), points_per_interval)
        if not np.isfinite(n_opt):
            return np.nan, np.nan, "minimum at the edge of the size range"
        return float(np.log(n_opt)), float(np.log(loss_opt)), ""
    c2, c1, c0 = np.polyfit(x, y, 2)
    if c2 <= 0:
        return np.nan, np.nan, "parabola opens downwards"
    v = -c1 / (2 * c2)
    if not x[0] < v < x[-1]:
        return np.nan, np.nan, "minimum at the edge of the size range"
    return float(v), float(c0 + c1 * v + c2 * v * v), ""


def tokens_per_param(k: np.ndarray | float, a: np.ndarray | float, compute: float) -> np.ndarray:
    """D*/N* at ``compute`` implied by N*(C) = k C^a and D* = C / (6 N*)."""
    n_star = np.asarray(k, dtype=float) * float(compute) ** np.asarray(a, dtype=float)
    return float(compute) / (6.0 * n_star**2)
