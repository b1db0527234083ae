"""Calibrated coverage: does a fit's nominal 95% bootstrap interval cover the truth 95% of the time?

K datasets are drawn from the fitted law (the truth of the simulation) with the fit's own residuals resampled
with replacement (on the criterion's scale: log residuals multiply the fitted loss, linear ones add to it). Each
is refitted by the same criterion (from the original fit's optimum and its other local optima, not the full
start grid) and bootstrapped like the fit (B resamples, the same unit), and its percentile interval of each
headline quantity is checked against the fitted law's value. Coverage is the share of datasets whose interval
covers it, with the binomial Monte Carlo SE sqrt(c (1 - c) / K). Dataset k draws from its own seed, so the
result is the same for any number of workers or backend, and dataset k is the same for any K.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
from scipy.stats import norm

from ..errors import FitError
from ..fitting.multistart import fit_multistart
from ..fitting.objectives import Objective
from ..fitting.result import FitResult
from ..laws.base import Inputs, Law
from ..parallel import run_tasks
from .bootstrap import bootstrap_fit
from .intervals import percentile_interval

SHORTFALL_SE = 2.0  # coverage below nominal by more than this many Monte Carlo SEs is reported as a shortfall
SEED_TAG = 0xC0FE  # separates the simulation's seeds from the bootstrap's


@dataclass(frozen=True)
class CoverageSpec:
    """What to simulate: K datasets, B bootstrap resamples each, the nominal levels, and the base seed."""

    k: int
    b: int
    levels: tuple[float, ...]
    seed: int


def dataset_seed(seed: int, k: int) -> np.random.SeedSequence:
    """The seed of simulated dataset k (independent of K and of the workers)."""
    return np.random.SeedSequence(entropy=int(seed), spawn_key=(SEED_TAG, int(k)))


class ResidualResampler:
    """Draws one dataset: the fitted values with the fit's residuals resampled with replacement on the criterion's
    scale (log residuals multiply the fitted values, linear ones add to them)."""

    def __init__(self, space: str, fitted: np.ndarray, residuals: np.ndarray):
        self.space, self.fitted, self.residuals = space, np.asarray(fitted, dtype=float), np.asarray(residuals, dtype=float)

    def __call__(self, rng: np.random.Generator) -> np.ndarray:
        r = self.residuals[rng.integers(0, self.residuals.size, self.residuals.size)]
        return self.fitted * np.exp(r) if self.space == "log" else self.fitted + r


def _one(law: Law, objective: Objective, X: Inputs, draw: Callable[[np.random.Generator], np.ndarray],
         starts: np.ndarray, spec: CoverageSpec, k: int, groups,
         quantities: Callable[[np.ndarray], dict[str, np.ndarray]], truth: dict[str, float]) -> dict | None:
    """Coverage outcome per quantity and level for simulated dataset k (None when its fit failed)."""
    ss = dataset_seed(spec.seed, k)
    rng = np.random.default_rng(ss)
    y = draw(rng)
    try:
        point = fit_multistart(law, objective, X, y, starts)
        boot = bootstrap_fit(law, objective, X, y, point, starts, n_boot=spec.b, seed=int(ss.generate_state(1)[0]),
                             n_jobs=1, groups=groups, inline=True)
    except FitError:
        return None
    samples = quantities(boot.theta)
    out = {}
    for name, value in truth.items():
        s = np.asarray(samples[name], dtype=float)
        out[name] = {}
        for level in spec.levels:
            lo, hi = percentile_interval(s, level)
            out[name][level] = bool(lo <= value <= hi)
    return out


def coverage_study(law: Law, objective: Objective, X: Inputs, y: np.ndarray, point: FitResult,
                   quantities: Callable[[np.ndarray], dict[str, np.ndarray]], names: list[str], spec: CoverageSpec,
                   groups=None, n_jobs: int = 1, draw: Callable[[np.random.Generator], np.ndarray] | None = None,
                   truth: dict[str, float] | None = None) -> dict[str, dict[float, dict]]:
    """Per quantity and level: coverage, its Monte Carlo SE and the number of datasets used.

    ``quantities`` maps parameter rows (B, p) to named quantities (the fit's natural and derived ones). By default
    the datasets are the fitted law with resampled residuals and the truth is the quantities at the fit's optimum;
    ``draw`` (a picklable rng -> y) and ``truth`` replace them, e.g. for a known-answer study."""
    y = np.asarray(y, dtype=float)
    theta = np.asarray(point.theta, dtype=float)
    if draw is None:
        r, _ = objective.residuals(law, theta[None, :], X, y)
        draw = ResidualResampler(objective.space, law.predict(theta, X), r[0])
    if truth is None:
        at_point = quantities(theta[None, :])
        truth = {n: float(np.asarray(at_point[n]).ravel()[0]) for n in names if n in at_point}
    starts = point.minima if point.minima.size else theta[None, :]
    if not np.any(np.all(starts == theta, axis=1)):
        starts = np.vstack([theta, starts])
    outcomes = run_tasks(_one, [(law, objective, X, draw, starts, spec, k, groups, quantities, truth)
                                for k in range(spec.k)], n_jobs, label="coverage datasets")
    used = [o for o in outcomes if o is not None]
    out: dict[str, dict[float, dict]] = {}
    for name in truth:
        out[name] = {}
        for level in spec.levels:
            hits = np.array([o[name][level] for o in used], dtype=float)
            c = float(hits.mean()) if hits.size else float("nan")
            se = float(np.sqrt(c * (1 - c) / hits.size)) if hits.size else float("nan")
            out[name][level] = {"coverage": c, "coverage_mcse": se, "k": int(hits.size), "truth": truth[name]}
    return out


def width_factor(nominal: float, coverage: float) -> float:
    """How many times wider a calibrated interval would be, if the interval is normal-shaped: the interval that
    covers ``coverage`` has half-width z((1 + coverage) / 2) standard errors, the nominal one needs
    z((1 + nominal) / 2). NaN when coverage is 0 or 1 (no such normal-shaped scaling)."""
    if not 0 < coverage < 1:
        return float("nan")
    return float(norm.ppf((1 + nominal) / 2) / norm.ppf((1 + coverage) / 2))


def shortfall(nominal: float, coverage: float, mcse: float) -> bool:
    """Coverage below nominal by more than SHORTFALL_SE Monte Carlo SEs (a zero SE counts as exact)."""
    return bool(np.isfinite(coverage) and nominal - coverage > SHORTFALL_SE * (mcse if np.isfinite(mcse) else 0.0))
