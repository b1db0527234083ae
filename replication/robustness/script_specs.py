"""The paper-level multiverse's choices: one alternative applied to every declared fit of a paper at once.

Some claims are computed by the replication script from several fits (which estimator wins most curves, a ratio of
two laws' extrapolation errors, a target predicted through a chain of fits). They are re-judged by rerunning the
whole script with one choice changed in every fit it applies to: the criterion (each Huber delta, least squares on
log loss, on loss) or the denser start grid. A fit whose own criterion is the alternative is left as it is. Each
fit starts from its main optimum beside the paper's grid (as the main fit's screen advanced it) ranked by the
fit's criterion, the best RERUN_KEEP_STARTS run to the end (its extrapolation check likewise, from the main
check's optimum), and every bootstrap of the rerun is capped at the multiverse's count. A paper's
``protocol.multiverse`` ``add`` entries with an objective or a start procedure apply here too, and its ``exclude``
entries remove a choice of the same name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..fitting import make_objective, start_grid
from .multiverse import DENSE_SCREEN
from .specs import DENSE_GRID, Spec, added_spec, objective_specs, criterion_specs, dense_axes

__all__ = ["Variant", "script_specs", "DENSE_GRID", "RERUN_KEEP_STARTS", "HELD_OUT"]

HELD_OUT = "@held_out"  # suffix of a fit's key in Variant.warm for the optimum of its extrapolation check

RERUN_KEEP_STARTS = 4  # per fit of a rerun: the best-ranked starts run to the end, besides the main optimum

def script_specs(path: Path, block: dict) -> tuple[list[Spec], list[dict]]:
    """The paper-level alternatives: the criteria and the denser grid, minus the paper's exclusions of those names,
    plus its additions that change the objective or ask for the dense grid; and the exclusions to report."""
    specs = criterion_specs() + [DENSE_GRID]
    names = {s.name for s in specs}
    excluded = [{"spec": e["name"], "reason": e["reason"]} for e in block.get("exclude", []) if e["name"] in names]
    gone = {e["spec"] for e in excluded}
    specs = [s for s in specs if s.name not in gone]
    for i, e in enumerate(block.get("add", [])):
        if "objective" in e or e.get("starts") == "dense":
            specs.append(added_spec(path, i, e))
    return specs, excluded


@dataclass(frozen=True)
class Variant:
    """One paper-level alternative as a rerun applies it: the specification, the bootstrap cap, and per fit the main
    run's optimum (a start for the changed fit) and its screened grid."""

    spec: Spec
    b: int
    warm: dict = field(default_factory=dict)  # fit name -> the main optimum (theta)
    screened: dict = field(default_factory=dict)  # fit name -> the paper's grid as the main fit's screen advanced it
    group_warm: dict = field(default_factory=dict)  # per_group fit name -> {group key: the main optimum}

    def objective(self, own: dict) -> dict | None:
        """The criterion this variant gives a fit whose own criterion is ``own`` (None: the fit keeps its own)."""
        if self.spec.objective is None:
            return None
        if self.spec.origin == "paper":
            return None if make_objective(self.spec.objective) == make_objective(own) else dict(self.spec.objective)
        same = {s.name: s for s in objective_specs(own)}  # the fit's own Huber form; its own criterion left out
        hit = same.get(self.spec.name)
        return None if hit is None else dict(hit.objective)

    def choice(self, params: tuple[str, ...], objective: dict, starts: dict) -> tuple[dict | None, dict | None]:
        """The criterion and start axes this variant gives a fit with its own ``objective`` and ``starts`` (None
        for each it leaves); the fit is changed when either is not None."""
        return self.objective(objective), self.axes(params, starts)

    def axes(self, params: tuple[str, ...], own: dict) -> dict | None:
        """The start axes this variant gives a fit (None: the paper's)."""
        if self.spec.starts != "dense":
            return None
        dense = dense_axes(params, own)
        return None if start_grid(params, dense).shape[0] == start_grid(params, own).shape[0] else dense

    def starts_with_optimum(self, name: str, grid: np.ndarray) -> tuple[np.ndarray, int]:
        """The starts of a fit in the rerun and their screen iterations: the main fit's screened grid (ranked by the
        fit's criterion, no further screen), else the grid with a short screen, and the main optimum added."""
        base = self.screened.get(name)
        screened = base is not None and base.shape == grid.shape
        rows = base if screened else grid
        return np.vstack([rows, np.asarray(self.warm[name], dtype=float)[None, :]]), (0 if screened else DENSE_SCREEN)

    def held_out_starts(self, name: str, point, grid: np.ndarray) -> tuple[np.ndarray, dict]:
        """The starts and options of a fit's extrapolation check in the rerun: the rerun fit's ranked grid, its optimum
        and the main check's optimum."""
        # the rerun fit's starts as its screen left them: the grid (the main fit's screened grid) and the optimum
        # added to it, so they hold every grid row
        screened = point.screened is not None and len(point.screened) >= len(grid)
        extra = [np.asarray(point.theta, dtype=float)] + ([np.asarray(self.warm[name + HELD_OUT], dtype=float)]
                                                          if name + HELD_OUT in self.warm else [])
        starts = np.vstack([point.screened if screened else grid] + [e[None, :] for e in extra])
        return starts, {"screen_iter": 0 if screened else DENSE_SCREEN, "keep_fraction": 0.0,
                        "keep_min": RERUN_KEEP_STARTS, "confirm": False}
