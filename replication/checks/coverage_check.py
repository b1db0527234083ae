"""The coverage check of a main fit: simulated coverage of its nominal bootstrap intervals (uncertainty/coverage.py),
as rows of report/tables/coverage.csv, and the width a calibrated interval would have in the CI-width check."""

from __future__ import annotations

from typing import Callable

import numpy as np

from ..fitting.objectives import Objective
from ..fitting.result import FitResult
from ..laws.base import Inputs, Law
from ..uncertainty.coverage import CoverageSpec, SHORTFALL_SE, coverage_study, shortfall, width_factor
from ..uncertainty.profile import profiled_quantities

COLUMNS = ["paper", "fit", "quantity", "interval_kind", "nominal", "coverage", "coverage_mcse", "k"]
RULE = (f"an interval is narrower than advertised when its simulated coverage falls short of its nominal level by more "
        f"than {SHORTFALL_SE:g} Monte Carlo SEs; the calibrated width scales the replicated width by "
        "z((1 + nominal)/2) / z((1 + coverage)/2), the factor for a normal-shaped interval")


class FitQuantities:
    """Parameter rows -> the fit's natural and derived quantities (a picklable callable for worker processes)."""

    def __init__(self, law: Law, derive: Callable | None, settings: dict):
        self.law, self.derive, self.settings = law, derive, settings

    def __call__(self, theta: np.ndarray) -> dict[str, np.ndarray]:
        nat = {k: np.asarray(v) for k, v in self.law.natural_params(theta).items()}
        out = dict(nat)
        if self.derive is not None:
            out.update(self.derive(nat, self.settings))
        return out


def headline_names(law: Law, settings: dict) -> list[str]:
    """The quantities whose coverage is simulated: the profiled headline ones, else every natural constant."""
    names = list(profiled_quantities(law, settings))
    return names or list(law.natural_params(np.zeros((1, law.n_params))))


def coverage_rows(paper: str, fit: str, prefix: str, law: Law, objective: Objective, X: Inputs, y: np.ndarray,
                  point: FitResult, derive: Callable | None, settings: dict, spec: CoverageSpec, interval_kind: str,
                  groups=None, n_jobs: int = 1) -> list[dict]:
    """One row per headline quantity and nominal level."""
    result = coverage_study(law, objective, X, y, point, FitQuantities(law, derive, settings),
                            headline_names(law, settings), spec, groups=groups, n_jobs=n_jobs)
    rows = []
    for name, by_level in result.items():
        for level, c in by_level.items():
            short = shortfall(level, c["coverage"], c["coverage_mcse"])
            rows.append({"paper": paper, "fit": fit, "quantity": prefix + name,
                         "interval_kind": f"{interval_kind}, B = {spec.b} per simulated dataset",
                         "nominal": float(level), "coverage": c["coverage"], "coverage_mcse": c["coverage_mcse"],
                         "k": c["k"], "truth": c["truth"], "shortfall": short,
                         "width_factor": width_factor(level, c["coverage"]) if short else float("nan")})
    return rows


def add_calibrated_width(ci_rows: list[dict], coverage: list[dict]) -> list[dict]:
    """The CI-width rows with the simulated coverage of the same quantity and level and, where that coverage falls
    short, the width a calibrated interval would have."""
    by = {(c["quantity"], round(float(c["nominal"]), 6)): c for c in coverage}
    for row in ci_rows:
        c = by.get((row.get("quantity"), round(float(row.get("ci_level", float("nan"))), 6)))
        row["coverage"] = c["coverage"] if c else float("nan")
        row["coverage_mcse"] = c["coverage_mcse"] if c else float("nan")
        factor = c["width_factor"] if c and c.get("shortfall") else float("nan")
        row["calibrated_width"] = row.get("replicated_width", float("nan")) * factor if c else float("nan")
    return ci_rows
