"""A certified optimum: a dense search over a law's exponents with its linear coefficients profiled out.

Laws such as L = E + A N^-alpha + B D^-beta are linear in their coefficients (E, A, B) >= 0 once the exponents
are fixed. For every exponent vector of a dense grid the inner problem in the coefficients is solved for the
paper's criterion (non-negative least squares on the loss scale weighted by 1/y to start, then a few
iteratively reweighted steps on the criterion itself, all grid points at once); the best few grid points are
then polished with the fitting engine. If the best of these is lower than the multi-start optimum, the
multi-start search missed the global optimum of the criterion; otherwise the search confirms it (up to the
grid's resolution and range, which the result states).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import Callable

import numpy as np

from ..laws.base import Inputs, Law, column
from .engine import minimize_fits
from .objectives import Objective

GRID_ELEMENTS = 500_000  # grid points x data points evaluated together (bounds the memory; rows are independent)
GRID_BUDGET = 1_000_000  # grid points x data points of the default grid (fewer values per exponent for many points)
IRLS_STEPS = 8
N_POLISH = 8
GAP_RTOL = 1e-6  # a lower optimum counts only when lower by more than this share of |objective| (plus GAP_ATOL)
GAP_ATOL = 1e-12


@dataclass(frozen=True)
class LinearStructure:
    """Which parameters of a law are exponents and which are log-coefficients of non-negative linear terms."""

    exponents: tuple[str, ...]
    coefficients: tuple[str, ...]  # log-coefficient parameters, one per design column, in column order
    design: Callable[[np.ndarray, Inputs], np.ndarray]  # exponents (G, q) -> design columns (G, n, m)


def _chinchilla_design(ex: np.ndarray, X: Inputs) -> np.ndarray:
    logN, logD = np.log(column(X, "N")), np.log(column(X, "D"))
    alpha, beta = ex[:, :1], ex[:, -1:]  # the tied form passes one exponent for both terms
    out = np.empty((ex.shape[0], logN.size, 3))
    out[..., 0] = np.exp(-alpha * logN)
    out[..., 1] = np.exp(-beta * logD)
    out[..., 2] = 1.0
    return out


def _offset_design(ex: np.ndarray, X: Inputs) -> np.ndarray:
    logx = np.log(column(X, "x"))
    out = np.empty((ex.shape[0], logx.size, 2))
    out[..., 0] = np.exp(-ex[:, :1] * logx)
    out[..., 1] = 1.0
    return out


STRUCTURES: dict[str, LinearStructure] = {
    "chinchilla": LinearStructure(("alpha", "beta"), ("a", "b", "e"), _chinchilla_design),
    "chinchilla_tied": LinearStructure(("alpha",), ("a", "b", "e"), _chinchilla_design),
    "power_law_offset": LinearStructure(("alpha",), ("a", "e"), _offset_design),
}


def structure_of(law: Law) -> LinearStructure | None:
    """The law's split into exponents and linear coefficients, or None when it has none registered."""
    return STRUCTURES.get(law.name)


@dataclass
class Certificate:
    """The outcome of the profiled search against a multi-start optimum."""

    fun_multistart: float
    fun_profiled: float  # best objective the search reached (after the engine's polish)
    gap: float  # fun_multistart - fun_profiled: positive means the search found a lower optimum
    lower_found: bool  # the gap exceeds the tolerance: the multi-start optimum is not the global one
    theta: np.ndarray  # the search's best parameters (fit parametrisation)
    theta_multistart: np.ndarray
    grid: dict  # exponent -> [low, high, number of values]
    n_grid: int
    fun_grid_best: float  # the best grid point's objective before the polish
    tolerance: float

    def as_dict(self, params: tuple[str, ...]) -> dict:
        """JSON-friendly record for a fit's result."""
        return {"fun_multistart": float(self.fun_multistart), "fun_profiled": float(self.fun_profiled),
                "gap": float(self.gap), "lower_found": bool(self.lower_found), "tolerance": float(self.tolerance),
                "theta": dict(zip(params, map(float, self.theta))),
                "grid": {k: [float(v[0]), float(v[1]), int(v[2])] for k, v in self.grid.items()},
                "n_grid": int(self.n_grid), "fun_grid_best": float(self.fun_grid_best)}

    def summary(self) -> str:
        """One sentence for the fit-health row and the paper page."""
        axes = " x ".join(f"{k} in [{lo:g}, {hi:g}] ({int(n)} values)" for k, (lo, hi, n) in self.grid.items())
        head = (f"profiled search over {axes}, coefficients profiled out, best {N_POLISH} polished: objective "
                f"{self.fun_profiled:.10g} against the multi-start optimum {self.fun_multistart:.10g} (gap {self.gap:.3g})")
        if self.lower_found:
            return head + "; the search found a LOWER optimum: the multi-start optimum is not global for the criterion"
        return head + "; the multi-start optimum is the global one within the searched range"


def exponent_axes(law: Law, structure: LinearStructure, theta: np.ndarray, starts: np.ndarray | None = None,
                  n_values: int | None = None, n_points: int = 0) -> dict[str, np.ndarray]:
    """Default dense grid per exponent: from 0 (exclusive) to the largest of 2.5, 1.5 x the start grid's largest
    value and 1.5 x the estimate; 61 values per exponent for two exponents, 301 for one, fewer (at least 21 and 51)
    where grid points x data points would exceed GRID_BUDGET."""
    if n_values is None:
        per = GRID_BUDGET / max(n_points, 1)
        n = int(np.clip(np.sqrt(per), 21, 61)) if len(structure.exponents) > 1 else int(np.clip(per, 51, 301))
    else:
        n = n_values
    axes = {}
    for name in structure.exponents:
        j = law.params.index(name)
        top = max(2.5, 1.5 * abs(float(theta[j])))
        if starts is not None and starts.size:
            top = max(top, 1.5 * float(np.nanmax(np.abs(starts[:, j]))))
        axes[name] = np.linspace(top / n, top, n)
    return axes


def _nnls_small(M: np.ndarray, v: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """min c^T M c - 2 c^T v over c >= 0 per row, for m <= 3 columns, by trying every support (columns scaled)."""
    G, m = v.shape
    Ms = M / (scale[:, :, None] * scale[:, None, :])
    vs = v / scale
    best = np.full(G, -np.inf)
    out = np.zeros((G, m))
    ridge = 1e-13 * np.einsum("gii->g", Ms)[:, None, None]
    for k in range(1, m + 1):
        for S in combinations(range(m), k):
            S = list(S)
            A = Ms[:, S][:, :, S] + ridge * np.eye(k)
            with np.errstate(all="ignore"):
                c = np.linalg.solve(A, vs[:, S][..., None])[..., 0]
            gain = np.einsum("gi,gi->g", c, vs[:, S])
            ok = np.all(c >= 0, axis=1) & np.isfinite(gain) & (gain > best)
            best = np.where(ok, gain, best)
            full = np.zeros((G, m))
            full[:, S] = c
            out[ok] = full[ok]
    return out / scale


def _weighted_nnls(Phi: np.ndarray, z: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Non-negative weighted least squares min sum_i w_i (z_i - Phi_i c)^2, per grid row (G, n, m)."""
    Pw = (Phi * w[..., None]).transpose(0, 2, 1)
    M = np.matmul(Pw, Phi)
    v = np.matmul(Pw, z[..., None])[..., 0]
    scale = np.sqrt(np.maximum(np.einsum("gii->gi", M), 1e-300))
    return _nnls_small(M, v, scale)


def _theta_of(law: Law, structure: LinearStructure, ex: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Fit-parametrisation rows from exponents and coefficients (a zero coefficient gives log = -inf)."""
    theta = np.zeros((ex.shape[0], law.n_params))
    for j, name in enumerate(structure.exponents):
        theta[:, law.params.index(name)] = ex[:, j]
    with np.errstate(divide="ignore"):
        for j, name in enumerate(structure.coefficients):
            theta[:, law.params.index(name)] = np.log(c[:, j])
    return theta


def _irls_weights(objective: Objective, r: np.ndarray, w: np.ndarray) -> np.ndarray:
    """The criterion's IRLS weights psi(r)/r at residuals r (G, n) (w for least squares)."""
    _, grad_w, _, scale = objective._terms(r, w)
    with np.errstate(divide="ignore", invalid="ignore"):
        om = grad_w / r
    return np.where(np.isfinite(om) & (np.abs(r) > 0), om, w / scale**2)


def _residuals(objective: Objective, y: np.ndarray, f: np.ndarray) -> np.ndarray:
    """Residuals of the criterion's space at predictions f (G, n)."""
    with np.errstate(all="ignore"):
        return np.log(y)[None, :] - np.log(f) if objective.space == "log" else y[None, :] - f


def _criterion(objective: Objective, y: np.ndarray, W: np.ndarray, f: np.ndarray) -> np.ndarray:
    """The criterion at predictions f (G, n) of a law linear in its coefficients (inf where not finite)."""
    r = _residuals(objective, y, f)
    bad = ~np.isfinite(r).all(axis=1)
    with np.errstate(all="ignore"):
        val = objective._terms(np.where(np.isfinite(r), r, 0.0), W)[0]
    return np.where(bad | ~np.isfinite(val), np.inf, val)


def profile_exponents(law: Law, objective: Objective, X: Inputs, y: np.ndarray, exponents: np.ndarray,
                      weights: np.ndarray | None = None, steps: int = IRLS_STEPS) -> tuple[np.ndarray, np.ndarray]:
    """For each row of ``exponents`` (G, q), the coefficients profiled out approximately: returns the best
    parameters found (G, p) and the criterion there (G,). An upper bound on the exact profile."""
    structure = structure_of(law)
    if structure is None:
        raise ValueError(f"law '{law.name}' has no linear structure registered in fitting/profiled.py")
    y = np.asarray(y, dtype=float)
    w = np.ones_like(y) if weights is None else np.asarray(weights, dtype=float)
    ex = np.atleast_2d(np.asarray(exponents, dtype=float))
    per = max(1, GRID_ELEMENTS // max(y.size, 1))
    thetas, funs = [], []
    for lo in range(0, ex.shape[0], per):
        e = ex[lo:lo + per]
        Phi = _floored(structure.design(e, X))
        W = np.broadcast_to(w, (e.shape[0], y.size))
        c = _weighted_nnls(Phi, np.broadcast_to(y, W.shape), W / y**2)  # relative error on the loss scale
        fun = _criterion(objective, y, W, _predict(Phi, c))
        for _ in range(steps):
            f0 = _predict(Phi, c)
            r = _residuals(objective, y, f0)
            with np.errstate(all="ignore"):
                if objective.space == "log":
                    z, scale = f0 * (r + 1.0), f0
                else:
                    z, scale = np.broadcast_to(y, f0.shape), np.ones_like(f0)
            om = _irls_weights(objective, np.where(np.isfinite(r), r, 0.0), W)
            c1 = _weighted_nnls(Phi, np.where(np.isfinite(z), z, 0.0), om / scale**2)
            best_c, best_f = c, fun
            for t in (1.0, 0.5, 0.25):  # the segment stays feasible (c >= 0 is convex); keep the best decrease
                ct = c + t * (c1 - c)
                ft = _criterion(objective, y, W, _predict(Phi, ct))
                take = ft < best_f
                best_c = np.where(take[:, None], ct, best_c)
                best_f = np.where(take, ft, best_f)
            c, fun = best_c, best_f
        thetas.append(_theta_of(law, structure, e, c))
        funs.append(fun)
    return np.vstack(thetas), np.concatenate(funs)


def _predict(Phi: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Predictions (G, n) of design (G, n, m) with coefficients (G, m)."""
    return np.matmul(Phi, c[..., None])[..., 0]


def _floored(Phi: np.ndarray) -> np.ndarray:
    """Design columns with underflowed entries floored, so weighted normal equations stay finite."""
    return np.maximum(Phi, 1e-300)


def _mesh(axes: dict[str, np.ndarray]) -> np.ndarray:
    grids = np.meshgrid(*axes.values(), indexing="ij")
    return np.stack([g.ravel() for g in grids], axis=1)


def _polish_starts(law: Law, theta: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Engine starts from grid optima: a zero coefficient that is not a face of the law becomes a tiny one."""
    faces = law.face_params()
    out = theta.copy()
    tiny = np.log(1e-8 * float(np.max(np.abs(y))))
    for j, name in enumerate(law.params):
        if name not in faces:
            out[:, j] = np.where(np.isneginf(out[:, j]), tiny, out[:, j])
    return out


@dataclass(frozen=True)
class Search:
    """What the profiled exponent search found: engine starts from its best distinct grid optima, and the grid."""

    starts: np.ndarray  # (n_polish, p) fit parametrisation, a zero coefficient made tiny unless it is a face
    axes: dict[str, np.ndarray]
    n_grid: int
    fun_grid_best: float  # the best grid point's objective before any polish
    theta_grid_best: np.ndarray


def search_starts(law: Law, objective: Objective, X: Inputs, y: np.ndarray, theta: np.ndarray, *,
                  starts: np.ndarray | None = None, axes: dict[str, np.ndarray] | None = None,
                  weights: np.ndarray | None = None, n_polish: int = N_POLISH) -> Search:
    """The dense exponent search with the coefficients profiled out, its best ``n_polish`` distinct grid optima made
    engine starts; used by ``certify`` and as a start procedure of its own (the multiverse's profiled_search)."""
    if structure_of(law) is None:
        raise ValueError(f"law '{law.name}' has no linear structure registered in fitting/profiled.py")
    y = np.asarray(y, dtype=float)
    w = np.ones_like(y) if weights is None else np.asarray(weights, dtype=float)
    axes = axes or exponent_axes(law, structure_of(law), np.asarray(theta, dtype=float), starts, n_points=y.size)
    ex = _mesh(axes)
    exact = objective.name == "squared" and objective.space == "linear"  # one NNLS with unit weights is the optimum
    grid_theta, fun = profile_exponents(law, objective, X, y, ex, w, steps=1 if exact else IRLS_STEPS)
    order = np.argsort(fun, kind="stable")
    picks = _spread_picks(ex, order, n_polish, axes)
    x0 = _polish_starts(law, grid_theta[picks], y)
    return Search(x0, axes, int(ex.shape[0]), float(fun[order[0]]), grid_theta[order[0]])


def certify(law: Law, objective: Objective, X: Inputs, y: np.ndarray, theta_multistart: np.ndarray,
            fun_multistart: float, *, starts: np.ndarray | None = None, axes: dict[str, np.ndarray] | None = None,
            weights: np.ndarray | None = None, n_polish: int = N_POLISH) -> Certificate:
    """Search the exponents on a dense grid with the coefficients profiled out, polish the best ``n_polish``
    grid points with the engine, and compare with the multi-start optimum."""
    y = np.asarray(y, dtype=float)
    w = np.ones_like(y) if weights is None else np.asarray(weights, dtype=float)
    theta_ms = np.asarray(theta_multistart, dtype=float)
    search = search_starts(law, objective, X, y, theta_ms, starts=starts, axes=axes, weights=w, n_polish=n_polish)
    fun_grid, axes = search.fun_grid_best, search.axes
    res = minimize_fits(law, objective, X, y, w, search.starts)
    fpol = np.where(np.isfinite(res.fun), res.fun, np.inf)
    k = int(np.argmin(fpol))
    best_theta, best_fun = (res.x[k], float(fpol[k])) if fpol[k] <= fun_grid else (search.theta_grid_best, fun_grid)
    gap = float(fun_multistart) - best_fun
    tol = GAP_RTOL * abs(float(fun_multistart)) + GAP_ATOL
    grid = {k: (float(v[0]), float(v[-1]), len(v)) for k, v in axes.items()}
    return Certificate(float(fun_multistart), best_fun, gap, bool(gap > tol), np.asarray(best_theta, dtype=float),
                       theta_ms, grid, search.n_grid, fun_grid, tol)


def _spread_picks(ex: np.ndarray, order: np.ndarray, n: int, axes: dict[str, np.ndarray]) -> np.ndarray:
    """The best grid points, skipping any within two grid steps of one already picked (distinct basins)."""
    step = np.array([(v[-1] - v[0]) / max(len(v) - 1, 1) for v in axes.values()])
    picked: list[int] = []
    for i in order:
        if all(np.any(np.abs(ex[i] - ex[j]) > 2.5 * step) for j in picked):
            picked.append(int(i))
        if len(picked) == n:
            break
    return np.asarray(picked, dtype=int)
