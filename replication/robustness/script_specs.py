"""The paper-level multiverse's choices: one alternative applied to every declared fit of a paper at once.

Some claims are computed by the replication script from several fits (which estimator wins most curves, a ratio of
two laws' extrapolation errors, a target predicted through a chain of fits). They are re-judged by rerunning the
whole script with one choice changed in every fit it applies to: the criterion (each Huber delta, least squares on
log loss, on loss), the denser start grid, or a family default of family_specs.py (the scoring of per-group fits,
the larger law a law is nested in), or a paper's own change of its protocol settings (e.g. the runs fitted). A fit whose own criterion is the alternative is left as it is. Each
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

from ..errors import MetadataError
from ..fitting import make_objective, start_grid
from ..laws.nesting import Nesting, nesting_of
from .family_specs import nesting_specs, score_specs
from .multiverse import DENSE_SCREEN
from .specs import DENSE_GRID, Spec, added_spec, objective_specs, criterion_specs, dense_axes

__all__ = ["Variant", "script_specs", "DENSE_GRID", "RERUN_KEEP_STARTS", "HELD_OUT"]

HELD_OUT = "@held_out"  # suffix of a fit's key in Variant.warm for the optimum of its extrapolation check

RERUN_KEEP_STARTS = 4  # per fit of a rerun: the best-ranked starts run to the end, besides the main optimum

def script_specs(path: Path, block: dict, laws: set[str] = frozenset(), scored: bool = False,
                 settings: dict | None = None) -> tuple[list[Spec], list[dict]]:
    """The paper-level alternatives: the criteria and the denser grid, the family defaults of family_specs.py (the
    scoring alternatives when the script compares fits by wins, ``scored``; one per larger law a law in ``laws`` is
    nested in), minus the paper's exclusions of those names, plus its additions that change the objective, ask for
    the dense grid, change protocol ``settings`` (each named entry must exist) or the scoring; and the exclusions."""
    specs = criterion_specs() + [DENSE_GRID] + (score_specs() if scored else []) + nesting_specs(set(laws))
    names = {s.name for s in specs}
    excluded = [{"spec": e["name"], "reason": e["reason"]} for e in block.get("exclude", []) if e["name"] in names]
    gone = {e["spec"] for e in excluded}
    specs = [s for s in specs if s.name not in gone]
    for i, e in enumerate(block.get("add", [])):
        if "objective" in e or e.get("starts") == "dense" or "settings" in e or "score" in e:
            spec = added_spec(path, i, e)
            unknown = sorted(set(spec.settings or {}) - set(settings or {}))
            if unknown:
                raise MetadataError(path, f"protocol.multiverse.add[{i}].settings.{unknown[0]}",
                                    "not an entry of protocol.settings",
                                    f"change one of {', '.join(sorted(settings or {})) or '(none: the paper has no settings)'}")
            specs.append(spec)
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
    group_results: dict = field(default_factory=dict)  # per_group fit name -> its main result table (reused unchanged)

    @property
    def settings(self) -> dict:
        """The protocol settings this variant changes ({} for none)."""
        return dict(self.spec.settings or {})

    def nesting(self, law: str) -> Nesting | None:
        """The nesting whose larger law this variant fits instead of ``law`` (None: the fit keeps its law)."""
        n = nesting_of(law) if self.spec.law is not None else None
        return n if n is not None and n.larger == self.spec.law else None

    def score(self, error: str, decimals: int | None) -> tuple[str, int | None, bool]:
        """The error and truncation per-group fits are compared by under this variant, and whether they changed."""
        s = self.spec.score or {}
        new_error, new_decimals = s.get("error", error), (s["decimals"] if "decimals" in s else decimals)
        return new_error, new_decimals, (new_error, new_decimals) != (error, decimals)

    def reuses_groups(self, name: str, params: tuple[str, ...], objective: dict, starts: dict) -> bool:
        """Whether a per_group fit is the main run's unchanged (same criterion, starts and settings): its main result
        table is then reused instead of refitting every group."""
        return (not self.settings and name in self.group_results
                and all(c is None for c in self.choice(params, objective, starts)))

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

    def starts_with_optimum(self, name: str, grid: np.ndarray, nest: Nesting | None = None) -> tuple[np.ndarray, int]:
        """The starts of a fit in the rerun and their screen iterations: the main fit's screened grid (ranked by the
        fit's criterion, no further screen), else the grid with a short screen, and the main optimum added (embedded
        in the larger law of ``nest``, whose grid then has no main screen to reuse)."""
        base = None if nest is not None else self.screened.get(name)
        screened = base is not None and base.shape == grid.shape
        rows = base if screened else grid
        return np.vstack([rows, self._warm(name, nest)]), (0 if screened else DENSE_SCREEN)

    def _warm(self, key: str, nest: Nesting | None) -> np.ndarray:
        """A main optimum as one start row (embedded in the larger law of ``nest``)."""
        row = np.asarray(self.warm[key], dtype=float)[None, :]
        return row if nest is None else nest.embed(row)

    def held_out_starts(self, name: str, point, grid: np.ndarray, nest: Nesting | None = None) -> tuple[np.ndarray, dict]:
        """The starts and options of a fit's extrapolation check in the rerun: the rerun fit's ranked grid, its optimum
        and the main check's optimum."""
        # the rerun fit's starts as its screen left them: the grid (the main fit's screened grid) and the optimum
        # added to it, so they hold every grid row
        screened = point.screened is not None and len(point.screened) >= len(grid)
        extra = [np.asarray(point.theta, dtype=float)] + ([self._warm(name + HELD_OUT, nest)[0]]
                                                          if name + HELD_OUT in self.warm else [])
        starts = np.vstack([point.screened if screened else grid] + [e[None, :] for e in extra])
        return starts, {"screen_iter": 0 if screened else DENSE_SCREEN, "keep_fraction": 0.0,
                        "keep_min": RERUN_KEEP_STARTS, "confirm": False}
