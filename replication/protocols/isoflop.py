"""Approach 2 (IsoFLOP) as one protocol: budgets, a minimum per budget, a power law through the minima, its
bootstrap, and the allocation it implies at any budget.

A declared spec (``IsoflopSpec``, read from a paper's fits) says how the budgets are found (the exact values of a
column, or declared budgets with a compute tolerance), how each budget's optimum is located (a quadratic in log
size, a parabola or Akima interpolant of log loss, or the optimum the paper gives with its spread), and how the
power law x* = k C^a goes through the minima (weighted log-log regression, or the registered ``compute_optimal``
law through the audit's engine). The bootstrap resamples the points within each budget (every minimum refitted:
the quadratic with the draws as weights, another rule from the distinct points drawn) or, for given optima, redraws
each log optimum from its stated spread. Every N* = k C^a (or D* = k C^a) fit then
yields the same derived allocation (``laws.allocation.power_law_allocation``).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..fitting.scoring import extrapolation_errors
from ..errors import AuditError
from ..fitting.isoflop import (OptimaBootstrap, akima_minima, akima_minimum, bootstrap_quadratic_optima, budget_optima, curve_minimum,
                               isoflop_minima, quadratic_fit)
from ..fitting.loglog import PowerLawFit, fit_power_law, wls_lines
from ..laws.allocation import power_law_allocation
from ..uncertainty.power_law import bootstrap_power_law

MINIMA = ("quadratic", "akima", "parabola", "given")
UNITS = ("points within budgets", "noise on the optima", "none")


@dataclass(frozen=True)
class IsoflopSpec:
    """How one IsoFLOP analysis runs (see the module docstring); ``where`` names the declaring file and field."""

    budget: str
    size: str
    loss: str | None = None
    minimum: str = "quadratic"
    budgets: tuple[float, ...] | None = None
    tolerance: float | None = None
    points_per_interval: int = 25
    sd: str | None = None
    weighted: bool = False
    optimum_of: str = "N"
    through: dict[str, Any] = field(default_factory=dict)
    where: str = "isoflop spec"

    def __post_init__(self) -> None:
        if self.minimum not in MINIMA:
            raise AuditError(f"{self.where}.minimum is {self.minimum!r}; use one of {list(MINIMA)}")
        if self.optimum_of not in ("N", "D"):
            raise AuditError(f"{self.where}.optimum_of is {self.optimum_of!r}; use N (model size) or D (tokens)")
        if self.minimum != "given" and not self.loss:
            raise AuditError(f"{self.where}: minimum {self.minimum!r} needs loss, the column of the loss per run")
        if self.minimum == "given" and self.budgets is not None:
            raise AuditError(f"{self.where}: given optima take the budgets from the column {self.budget!r}; drop budgets")
        if self.weighted and not self.sd:
            raise AuditError(f"{self.where}: weighted needs sd, the column of the spread of ln optimum per budget")


@dataclass
class IsoflopResult:
    """The minima per budget, the power law through the valid ones and its bootstrap replicates."""

    spec: IsoflopSpec
    minima: pd.DataFrame  # one row per budget: budget, x_opt, valid (and the estimator's own columns)
    fit: PowerLawFit | None
    exponent_samples: np.ndarray | None
    log_coef_samples: np.ndarray | None
    description: str
    n_points: int
    boot: Any = None

    @property
    def used(self) -> pd.DataFrame:
        """The budgets whose minimum is valid (those the power law goes through)."""
        return self.minima[self.minima["valid"]]

    def allocation(self, compute=()) -> tuple[dict[str, float], dict[str, np.ndarray]]:
        """Derived allocation (point, replicates) at the budgets, from the fitted power law."""
        point = power_law_allocation(self.fit.log_coef, self.fit.exponent, compute, self.spec.optimum_of)
        if self.exponent_samples is None:
            return point, {}
        return point, power_law_allocation(self.log_coef_samples, self.exponent_samples, compute, self.spec.optimum_of)

    def quantities(self, compute=(), names: dict[str, str] | None = None) -> dict[str, tuple[float, np.ndarray | None]]:
        """The fit's named quantities (value, replicates or None): the exponent and coefficient under the names the
        fit declares (``names``: {exponent: alias, coefficient: alias}), then the allocation at ``compute``; one
        naming for the audit and for the multiverse's refits."""
        names, fit = names or {}, self.fit
        point, samples = self.allocation(compute)
        coef_samples = None if self.log_coef_samples is None else np.exp(self.log_coef_samples)
        aliases = {names.get("exponent"): (fit.exponent, self.exponent_samples),
                   names.get("coefficient"): (fit.coef, coef_samples)}
        out = {alias: (float(v), smp) for alias, (v, smp) in aliases.items() if alias}
        out.update({k: (float(v), samples.get(k)) for k, v in point.items()})
        return out


def spec_from(decl: dict[str, Any], where: str) -> IsoflopSpec:
    """An IsoflopSpec from a declared mapping (budgets as a list or {first, factor, count})."""
    known = set(IsoflopSpec.__dataclass_fields__) - {"where"}
    extra = sorted(set(decl) - known)
    if extra:
        raise AuditError(f"{where}: unknown field {extra[0]!r}; an isoflop fit declares {sorted(known)}")
    args = dict(decl)
    b = args.get("budgets")
    if isinstance(b, dict):
        if set(b) != {"first", "factor", "count"}:
            raise AuditError(f"{where}.budgets: give a list of budgets or {{first, factor, count}}, got {sorted(b)}")
        args["budgets"] = tuple(float(b["first"]) * float(b["factor"]) ** np.arange(int(b["count"])))
    elif b is not None:
        args["budgets"] = tuple(float(v) for v in b)
    return IsoflopSpec(**args, where=where)


def locate_minima(frame: pd.DataFrame, spec: IsoflopSpec, sparse_ok: bool = False) -> pd.DataFrame:
    """One row per budget with columns budget, x_opt, valid, plus the estimator's own columns; ``sparse_ok``: a
    budget with too few distinct sizes has no valid minimum instead of being an error (for resamples of the runs)."""
    if spec.minimum == "given":
        out = frame.rename(columns={spec.budget: "budget", spec.size: "x_opt"}).copy()
        out["valid"] = out["x_opt"].notna()
        return out.sort_values("budget").reset_index(drop=True)
    if spec.budgets is not None:  # budgets found by compute tolerance
        m = isoflop_minima(frame[spec.budget], frame[spec.size], frame[spec.loss], spec.budgets,
                           tolerance=spec.tolerance if spec.tolerance is not None else 0.1,
                           method="akima" if spec.minimum == "akima" else "parabola",
                           points_per_interval=spec.points_per_interval)
        return m.assign(x_opt=m["N_star"], valid=m["N_star"].notna())
    method = "akima" if spec.minimum == "akima" else "quadratic"
    m = budget_optima(frame, spec.budget, spec.size, spec.loss, method=method, grid_factor=spec.points_per_interval,
                      sparse_ok=sparse_ok)
    if spec.sd:  # the spread of the optimum is one value per budget
        m = m.merge(frame.groupby(spec.budget)[spec.sd].first().reset_index(), on=spec.budget, how="left")
    return m.rename(columns={spec.budget: "budget"})


def budget_minimum(spec: IsoflopSpec, sizes: np.ndarray, losses: np.ndarray) -> float:
    """The optimum x_opt of one budget's runs by the spec's rule, NaN where locate_minima finds no valid one: the
    same value without the table around it, for the many resamples of a paired bootstrap."""
    sizes, losses = np.asarray(sizes, dtype=float), np.asarray(losses, dtype=float)
    if spec.minimum == "given":
        return float(sizes[0]) if sizes.size and np.isfinite(sizes[0]) else float("nan")
    if spec.budgets is not None:  # runs found by compute tolerance: the best loss per size, as isoflop_minima
        u, which = np.unique(sizes, return_inverse=True)
        if u.size < 3:
            return float("nan")
        best = np.full(u.size, np.inf)
        np.minimum.at(best, which, losses)
        log_x, _, _ = curve_minimum(np.log(u), np.log(best), "akima" if spec.minimum == "akima" else "parabola",
                                    spec.points_per_interval)
        return float(np.exp(log_x))
    if np.unique(sizes).size < 3:
        return float("nan")
    if spec.minimum == "akima":
        return akima_minimum(sizes, losses, spec.points_per_interval)[0]
    return quadratic_fit(sizes, losses).x_opt


def budget_minima(spec: IsoflopSpec, draws: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """``budget_minimum`` of many draws of one budget's runs (sizes, losses): the same values, with the Akima
    minima of draws of equal size and distinct sizes located in one batch (akima_minima)."""
    out = np.full(len(draws), np.nan)
    batched: dict[int, list[int]] = {}
    for i, (sizes, losses) in enumerate(draws):
        sizes = np.asarray(sizes, dtype=float)
        clean = (spec.minimum == "akima" and spec.budgets is None and sizes.size >= 3
                 and np.unique(sizes).size == sizes.size and np.all(np.isfinite(sizes) & (sizes > 0))
                 and np.all(np.isfinite(losses)))
        if clean:
            batched.setdefault(sizes.size, []).append(i)
        else:  # every other rule, and draws the single-curve checks must judge (their errors are its errors)
            out[i] = budget_minimum(spec, sizes, losses)
    for idx in batched.values():
        x_opt, _ = akima_minima(np.stack([draws[i][0] for i in idx]), np.stack([draws[i][1] for i in idx]),
                                spec.points_per_interval)
        out[idx] = x_opt
    return out


def run_isoflop(frame: pd.DataFrame, spec: IsoflopSpec, *, n_boot: int = 0, seed=0, unit: str = "none",
                what: str = "IsoFLOP") -> IsoflopResult:
    """Minima, the weighted or plain log-log power law through them, and its bootstrap (``unit`` says which)."""
    if unit not in UNITS:
        raise AuditError(f"{spec.where}.bootstrap.unit is {unit!r}; an isoflop fit resamples {list(UNITS)}")
    minima = locate_minima(frame, spec)
    used = minima[minima["valid"]]
    C, x = used["budget"].to_numpy(dtype=float), used["x_opt"].to_numpy(dtype=float)
    sd = used[spec.sd].to_numpy(dtype=float) if spec.weighted else None
    fit = fit_power_law(C, x, sd, what=what) if not spec.through else None
    result = IsoflopResult(spec, minima, fit, None, None, "no bootstrap", int(len(frame)))
    if n_boot <= 0 or unit == "none":
        return result
    if unit == "noise on the optima":
        boot = bootstrap_power_law(C, x, used[spec.sd].to_numpy(dtype=float), n_boot=n_boot, seed=seed, what=what,
                                   weighted=spec.weighted)
    else:
        if spec.minimum == "given" or spec.budgets is not None:
            raise AuditError(f"{spec.where}: resampling points within budgets is implemented for runs on exact "
                             "budgets; use unit 'noise on the optima' or 'none'")
        if spec.minimum in ("quadratic", "parabola"):  # the point estimate's rule on exact budgets (locate_minima)
            boot = bootstrap_quadratic_optima(frame, spec.budget, spec.size, spec.loss, n_boot=n_boot, seed=seed, budgets=C)
        else:
            boot = bootstrap_minima(frame, spec, n_boot=n_boot, seed=seed, budgets=C)
    result.exponent_samples, result.log_coef_samples = boot.exponent, boot.log_coef
    result.description, result.boot = boot.description, boot
    return result


class RuleBootstrap(OptimaBootstrap):
    """A within-budget bootstrap whose minima were located again by a rule without weights (Akima)."""

    description = ("bootstrap percentile interval: the points of each IsoFLOP curve resampled with replacement within "
                   "their budget, every budget's minimum located again by the fit's rule from the distinct points drawn, "
                   "then the power law across budgets")


def bootstrap_minima(frame: pd.DataFrame, spec: IsoflopSpec, *, n_boot: int, seed, budgets) -> OptimaBootstrap:
    """Within-budget bootstrap for a rule that takes no weights (Akima): each budget's runs drawn with replacement (the
    streams of ``bootstrap_quadratic_optima``, so the draws are those of the quadratic rule), the minimum located
    by ``budget_minimum`` from the distinct runs drawn (each distinct draw once), the line refitted across budgets
    (weighted by 1 / sd^2 where the spec is weighted)."""
    if n_boot < 1:
        raise AuditError(f"{spec.where}: a bootstrap needs n_boot >= 1, got {n_boot}")
    seed_t = tuple(int(v) for v in np.atleast_1d(seed))
    groups = dict(tuple(frame.groupby(spec.budget, sort=True)))
    keys = [float(b) for b in budgets]
    children = np.random.SeedSequence(list(seed_t)).spawn(len(groups))
    index = {b: i for i, b in enumerate(sorted(groups))}
    x_opt, sd = np.full((n_boot, len(keys)), np.nan), np.ones(len(keys))
    for j, c in enumerate(keys):
        g = groups[c]
        sizes, losses = g[spec.size].to_numpy(dtype=float), g[spec.loss].to_numpy(dtype=float)
        if spec.weighted:
            sd[j] = float(g[spec.sd].iloc[0])
        draws = np.random.default_rng(children[index[c]]).integers(0, sizes.size, size=(n_boot, sizes.size))
        memo: dict[bytes, float] = {}
        for b, d in enumerate(draws):
            rows = np.unique(d)
            key = rows.tobytes()
            if key not in memo:
                memo[key] = budget_minimum(spec, sizes[rows], losses[rows])
            x_opt[b, j] = memo[key]
    ok = np.isfinite(x_opt)
    log_c = np.broadcast_to(np.log(np.asarray(keys, dtype=float)), x_opt.shape)
    slope, icpt = wls_lines(log_c, np.where(ok, np.log(np.where(ok, x_opt, 1.0)), 0.0), ok / sd**2)
    return RuleBootstrap(np.asarray(keys, dtype=float), x_opt, slope, icpt, seed_t)


def group_seed(seed: int, group: str | None) -> int | tuple[int, int]:
    """A fit's seed, or (seed, crc32 of the group's name) so that each group of a grouped fit draws its own stream."""
    return int(seed) if group is None else (int(seed), zlib.crc32(group.encode()))


def extrapolate(result: IsoflopResult, threshold: float) -> tuple[dict[str, float], PowerLawFit, int, int]:
    """Fit the power law on the budgets below ``threshold`` (same weighting), score x* at the held-out ones."""
    used = result.used
    C, x = used["budget"].to_numpy(dtype=float), used["x_opt"].to_numpy(dtype=float)
    sd = used[result.spec.sd].to_numpy(dtype=float) if result.spec.weighted else None
    low = C < float(threshold)
    sub = fit_power_law(C[low], x[low], None if sd is None else sd[low], what=f"{result.spec.where} (smaller budgets)")
    return extrapolation_errors(x[~low], sub.predict(C[~low])), sub, int(low.sum()), int((~low).sum())


def asymptotic_intervals(fit: PowerLawFit, compute=(), optimum_of: str = "N",
                         level: float = 0.95) -> dict[str, tuple[float, float]]:
    """Asymptotic (t) intervals of the power law's constants and of the allocation it implies at each budget,
    treating the minima as exact: the interval of x* at C carried through C = 6 N D (keys as power_law_allocation,
    plus 'exponent' and 'coefficient')."""
    lo_a, hi_a = fit.exponent_interval(level)
    out = {"exponent": (lo_a, hi_a), "coefficient": fit.predict_interval(1.0, level)}  # the line at C = 1 is k
    own, other = ((lo_a, hi_a), (1 - hi_a, 1 - lo_a))
    out["a_alloc"], out["b_alloc"] = (own, other) if optimum_of == "N" else (other, own)
    for C in compute:
        c, tag = float(C), f"{float(C):.3g}"
        lo, hi = fit.predict_interval(c, level)
        x, y = (lo, hi), (c / (6 * hi), c / (6 * lo))
        if optimum_of == "N":
            out[f"N_opt@{tag}"], out[f"D_opt@{tag}"] = x, y
            out[f"tokens_per_param@{tag}"] = (c / (6 * hi**2), c / (6 * lo**2))
        else:
            out[f"D_opt@{tag}"], out[f"N_opt@{tag}"] = x, y
            out[f"tokens_per_param@{tag}"] = (6 * lo**2 / c, 6 * hi**2 / c)
    return out
