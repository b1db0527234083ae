"""The declared alternative choices (specifications) of an IsoFLOP (Approach 2) fit, a paper's additions and
exclusions, and what each does to one group's runs.

An IsoFLOP specification changes one choice of the main analysis: the rule locating each budget's minimum
(quadratic or parabola <-> Akima interpolation), the weighting of the power law through the minima (1 / sd^2 <->
equal, where the optima have a stated spread), the compute tolerance that groups runs into budgets (5% and 20%,
where budgets are found by tolerance), or the budgets kept (without the smallest or the largest budget that has a
minimum). Given optima (a paper's released N*) have no rule to vary: a paper may add the raw-points rule by naming
a declared IsoFLOP fit whose runs and rule locate them. Each carries a one-line reason; a choice the fit cannot
support is skipped with the reason. A paper's additions and exclusions go under ``protocol.multiverse.isoflop``:

    multiverse:
      isoflop:
        add:
          - {name: raw_points, fit: main, runs: raw_akima, reason: "..."}         # another fit's runs and rule
          - {name: fine_grid, isoflop: {points_per_interval: 100}, reason: "..."}  # fields of the IsoflopSpec
          - {name: from_1e18, budgets: {min: 1.0e+18}, reason: "..."}             # the budgets kept
        exclude:
          - {name: without_smallest_budget, fit: main, reason: "..."}

``fit`` limits an entry to one IsoFLOP fit (default: every IsoFLOP fit of the multiverse).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import AuditError, MetadataError
from ..protocols.isoflop import IsoflopSpec
from .specs import check_entries

__all__ = ["IsoSpec", "TOLERANCES", "MIN_BUDGETS", "FIELDS", "default_isoflop_specs", "read_isoflop_block",
           "paper_isoflop_specs", "plan"]

TOLERANCES = (0.05, 0.2)  # budget tolerances tried besides the fit's own (10% unless declared)
DEFAULT_TOLERANCE = 0.1  # locate_minima's tolerance when a fit declares none
MIN_BUDGETS = 3  # budgets with a minimum a specification must keep (two fix a line and leave no residual)
FIELDS = ("minimum", "weighted", "tolerance", "points_per_interval", "loss", "sd")  # IsoflopSpec fields a paper may vary
BLOCK = "protocol.multiverse.isoflop"


@dataclass(frozen=True)
class IsoSpec:
    """One alternative of an IsoFLOP fit: the choice it changes, how, and why it is defensible."""

    name: str
    changed: str  # "minimum rule", "weighting", "budget tolerance", "budgets" or "runs"
    what: str  # the alternative, in words
    reason: str
    fields: dict = field(default_factory=dict)  # IsoflopSpec fields replaced
    drop: str | None = None  # "lowest" or "highest": that budget with a minimum is left out
    budget_range: tuple[float, float] | None = None  # budgets kept (a paper's addition)
    runs: str | None = None  # another IsoFLOP fit whose runs and rule give the optima
    origin: str = "default"  # "default" or "paper"


def _minimum_specs(spec: IsoflopSpec) -> tuple[list[IsoSpec], list[tuple[str, str]]]:
    """The other rule for the per-budget minimum: Akima for a quadratic or parabola, and back."""
    if spec.minimum == "given":
        return [], [("minimum_rule", "the optima are given (the paper's released values), so no rule here locates them; "
                     "a paper can add the raw-points rule (runs: a declared fit holding the raw runs)")]
    symmetric = "parabola" if spec.budgets is not None else "quadratic"
    if spec.minimum == "akima":
        return [IsoSpec(f"minimum_{symmetric}", "minimum rule", f"a {symmetric} in log size instead of the Akima interpolant",
                        "an interpolant follows every point's noise; a second-degree fit smooths it (but forces each "
                        "curve to be symmetric about its minimum)", {"minimum": symmetric})], []
    return [IsoSpec("minimum_akima", "minimum rule", f"the Akima interpolant of log loss instead of the {spec.minimum}",
                    "a second-degree fit in log size forces each IsoFLOP curve to be symmetric about its minimum; an "
                    "interpolant follows an asymmetric curve", {"minimum": "akima"})], []


def _weighting_specs(spec: IsoflopSpec, through: bool) -> tuple[list[IsoSpec], list[tuple[str, str]]]:
    """Weights 1 / sd^2 against equal weights for the power law through the minima, where the optima have a spread."""
    if through:
        return [], [("weighting", "the power law goes through the minima as a law fit with its own criterion")]
    if not spec.sd:
        return [], [("weighting", "the minima have no stated spread (sd) to weight by")]
    if spec.weighted:
        return [IsoSpec("unweighted", "weighting", "equal weights for every budget's optimum",
                        "the stated spreads are themselves estimates (floored or inflated by a pipeline); equal weights "
                        "do not lean on them", {"weighted": False})], []
    return [IsoSpec("weighted", "weighting", f"weights 1 / {spec.sd}^2",
                    "budgets whose optimum is known better should count more", {"weighted": True})], []


def _tolerance_specs(spec: IsoflopSpec) -> tuple[list[IsoSpec], list[tuple[str, str]]]:
    """Other compute tolerances for budgets found by tolerance."""
    if spec.minimum == "given" or spec.budgets is None:
        return [], [("tolerance", "the budgets are the exact values of a column; no compute tolerance groups the runs")]
    own = DEFAULT_TOLERANCE if spec.tolerance is None else float(spec.tolerance)
    return [IsoSpec(f"tolerance_{t:g}", "budget tolerance", f"runs within {t:.0%} of a budget (instead of {own:.0%})",
                    "the tolerance decides which runs make one IsoFLOP curve: a narrower one keeps fewer off-budget runs, "
                    "a wider one more sizes", {"tolerance": t}) for t in TOLERANCES if not np.isclose(t, own)], []


def default_isoflop_specs(spec: IsoflopSpec, through: bool = False) -> tuple[list[IsoSpec], list[tuple[str, str]]]:
    """The declared alternatives of an IsoFLOP fit with ``spec`` (``through``: its power law is a law fit of the
    engine), and the choices it cannot vary as (name, reason)."""
    specs, skipped = [], []
    for part in (_minimum_specs(spec), _weighting_specs(spec, through), _tolerance_specs(spec)):
        specs += part[0]
        skipped += part[1]
    specs.append(IsoSpec("without_smallest_budget", "budgets", "without the smallest budget that has a minimum",
                         "the smallest budgets' runs are the furthest from the regime the law is used for", drop="lowest"))
    specs.append(IsoSpec("without_largest_budget", "budgets", "without the largest budget that has a minimum",
                         "the law should not hinge on its largest budget, which dominates the extrapolation", drop="highest"))
    return specs, skipped


def read_isoflop_block(path: Path, protocol: dict | None) -> dict:
    """The raw ``protocol.multiverse.isoflop`` mapping ({} if absent), checked for its shape."""
    block = ((protocol or {}).get("multiverse") or {}).get("isoflop")
    if block is None:
        return {}
    if not isinstance(block, dict):
        raise MetadataError(path, BLOCK, f"expected a mapping, got {type(block).__name__}", "write add: and exclude: under it")
    unknown = set(block) - {"add", "exclude"}
    if unknown:
        raise MetadataError(path, f"{BLOCK}.{sorted(unknown)[0]}", "unknown key", "use add or exclude")
    check_entries(path, block, BLOCK)
    for key in ("add", "exclude"):
        for i, e in enumerate(block.get(key, [])):
            where = f"{BLOCK}.{key}[{i}]"
            if "fit" in e and not isinstance(e["fit"], str):
                raise MetadataError(path, f"{where}.fit", f"expected a fit name, got {e['fit']!r}", "name one IsoFLOP fit")
            if key == "exclude" and set(e) - {"name", "reason", "fit"}:
                raise MetadataError(path, f"{where}.{sorted(set(e) - {'name', 'reason', 'fit'})[0]}", "unknown key",
                                    "an exclusion takes name, reason and fit")
    return block


def _added(path: Path, i: int, e: dict, fits: list[str]) -> IsoSpec:
    """One ``add`` entry as an IsoSpec, with the field at fault named."""
    where = f"{BLOCK}.add[{i}]"
    allowed = {"name", "reason", "fit", "isoflop", "budgets", "runs"}
    unknown = set(e) - allowed
    if unknown:
        raise MetadataError(path, f"{where}.{sorted(unknown)[0]}", "unknown key", f"use {', '.join(sorted(allowed))}")
    choices = [k for k in ("isoflop", "budgets", "runs") if k in e]
    if len(choices) != 1:
        raise MetadataError(path, where, f"specification '{e['name']}' changes {len(choices)} choices",
                            "give exactly one of isoflop:, budgets: or runs: (one choice per specification)")
    if "isoflop" in e:
        fields = e["isoflop"]
        if not isinstance(fields, dict) or not fields or set(fields) - set(FIELDS):
            bad = sorted(set(fields) - set(FIELDS)) if isinstance(fields, dict) else []
            raise MetadataError(path, f"{where}.isoflop" + (f".{bad[0]}" if bad else ""),
                                f"expected a mapping of IsoFLOP fields, got {fields!r}", f"vary one of {', '.join(FIELDS)}")
        return IsoSpec(e["name"], "minimum rule" if "minimum" in fields else "isoflop",
                       ", ".join(f"{k} {v}" for k, v in fields.items()), e["reason"], dict(fields), origin="paper")
    if "runs" in e:
        if e["runs"] not in fits:
            raise MetadataError(path, f"{where}.runs", f"no IsoFLOP fit '{e['runs']}' has run",
                                f"name a declared IsoFLOP fit: one of {', '.join(fits)}")
        return IsoSpec(e["name"], "runs", f"the optima located from the runs of fit '{e['runs']}' by its rule",
                       e["reason"], runs=e["runs"], origin="paper")
    rng = e["budgets"]
    if not isinstance(rng, dict) or not rng or set(rng) - {"min", "max"}:
        raise MetadataError(path, f"{where}.budgets", f"expected {{min:, max:}}, got {rng!r}", "give a min and/or max budget to keep")
    try:
        low, high = float(rng.get("min", -np.inf)), float(rng.get("max", np.inf))
    except (TypeError, ValueError):
        raise MetadataError(path, f"{where}.budgets", "min and max must be numbers", "write numbers") from None
    return IsoSpec(e["name"], "budgets", f"budgets in [{low:g}, {high:g}]", e["reason"], budget_range=(low, high), origin="paper")


def paper_isoflop_specs(path: Path, block: dict, fit: str, defaults: list[IsoSpec], fits: list[str],
                        known: set[str]) -> tuple[list[IsoSpec], list[dict]]:
    """The defaults of ``fit`` minus the paper's exclusions plus its additions (entries for this fit or for every
    fit), and the exclusions (name, reason) to report. ``fits``: every IsoFLOP fit that ran; ``known``: every
    default name of the fits an unscoped exclusion may mean."""
    for key in ("add", "exclude"):
        for i, e in enumerate(block.get(key, [])):
            if "fit" in e and e["fit"] not in fits:
                raise MetadataError(path, f"{BLOCK}.{key}[{i}].fit", f"no IsoFLOP fit '{e['fit']}' has run",
                                    f"use one of {', '.join(fits)}")

    def mine(e: dict) -> bool:
        """Whether an entry applies to this fit (an entry without fit: applies to every IsoFLOP fit)."""
        return e.get("fit", fit) == fit

    names = {s.name for s in defaults}
    excluded = []
    for i, e in enumerate(block.get("exclude", [])):
        pool = names if "fit" in e else known
        if mine(e) and e["name"] not in pool:
            raise MetadataError(path, f"{BLOCK}.exclude[{i}].name", f"no default specification '{e['name']}'"
                                + (f" for fit '{fit}'" if "fit" in e else ""), f"use one of {', '.join(sorted(pool))}")
        if mine(e) and e["name"] in names:
            excluded.append({"spec": e["name"], "reason": e["reason"]})
    gone = {e["spec"] for e in excluded}
    specs = [s for s in defaults if s.name not in gone]
    for i, e in enumerate(block.get("add", [])):
        if not mine(e):
            continue
        spec = _added(path, i, e, fits)
        if spec.name in names or spec.name in {s.name for s in specs}:
            raise MetadataError(path, f"{BLOCK}.add[{i}].name", f"specification '{spec.name}' already exists", "give it a new name")
        specs.append(spec)
    return specs, excluded


def _budget_cut(spec: IsoflopSpec, frame: pd.DataFrame, keep) -> tuple[pd.DataFrame, IsoflopSpec]:
    """The runs and spec without the budgets ``keep`` rejects: tolerance budgets leave the list, exact ones their rows."""
    if spec.minimum != "given" and spec.budgets is not None:
        return frame, replace(spec, budgets=tuple(b for b in spec.budgets if keep(b)))
    return frame[frame[spec.budget].map(keep)], spec


def plan(s: IsoSpec, frame: pd.DataFrame, spec: IsoflopSpec, minima: pd.DataFrame, other, path: Path,
         i_add: str) -> tuple[pd.DataFrame, IsoflopSpec, str] | str:
    """One group's runs, spec and a note under specification ``s`` (``minima``: the main analysis's per-budget
    minima; ``other``: the (frame, spec) of the runs a ``runs`` addition names for this group, or None), or the
    reason the group cannot support it. A paper's field that makes no valid spec is a MetadataError at ``i_add``."""
    if s.runs is not None:
        if other is None:
            return f"fit '{s.runs}' has no runs for this group"
        o_frame, o_spec = other
        if o_spec.optimum_of != spec.optimum_of:
            raise MetadataError(path, f"{i_add}.runs", f"fit '{s.runs}' locates optima of {o_spec.optimum_of}, the fit "
                                f"of {spec.optimum_of}", "name a fit of the same optimum")
        return o_frame, replace(o_spec, through=spec.through, where=f"{spec.where} ({s.name})"), \
            f"{int(len(o_frame))} runs of fit '{s.runs}'"
    if s.fields:
        try:
            new = replace(spec, **s.fields)
        except (AuditError, TypeError) as exc:
            if s.origin == "default":
                raise
            raise MetadataError(path, f"{i_add}.isoflop", str(exc), "give the fields that rule needs (e.g. loss: for a "
                                "located minimum, sd: for weights)") from None
        if new == spec:
            return "identical to the main fit"
        return frame, new, ""
    used = minima.loc[minima["valid"], "budget"].to_numpy(dtype=float)
    if s.drop is not None:
        if used.size - 1 < MIN_BUDGETS:
            return f"{used.size} budgets with a minimum; without one, fewer than {MIN_BUDGETS} remain"
        cut = float(used.min() if s.drop == "lowest" else used.max())
        out_frame, out_spec = _budget_cut(spec, frame, lambda b: not np.isclose(float(b), cut, rtol=1e-9, atol=0.0))
        return out_frame, out_spec, f"dropped the budget {cut:.3g}"
    low, high = s.budget_range
    kept = used[(used >= low) & (used <= high)]
    if kept.size == used.size:
        return "the range drops no budget (identical to the main fit)"
    if kept.size < MIN_BUDGETS:
        return f"{kept.size} budgets with a minimum in [{low:g}, {high:g}]; fewer than {MIN_BUDGETS}"
    out_frame, out_spec = _budget_cut(spec, frame, lambda b: low <= float(b) <= high)
    return out_frame, out_spec, f"kept budgets in [{low:g}, {high:g}]"
