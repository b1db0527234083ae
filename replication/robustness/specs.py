"""The declared alternative fitting choices (specifications) per law family, and a paper's own additions.

A specification changes one choice of the main protocol: the criterion (Huber delta, least squares on log loss or
on loss), the start procedure (the paper's grid, a denser one, or the profiled exponent search), the points kept
(without the smallest models, without the largest compute budget), or the data themselves (the points moved within
their digitisation errors in every bootstrap replicate, for a fit whose points carry them). Each carries a one-line
reason. The choices of the data a fit sees (counting, resampling unit, no exclusion) are declared in data_specs.py.
A paper may add or exclude
specifications under ``protocol.multiverse`` in its paper.yaml:

    multiverse:
      fits: [grid]                      # fits besides 'main' to refit
      add:
        - {name: huber_0.05, reason: "...", objective: {name: huber, delta: 0.05}}
        - {name: without_first_runs, reason: "...", points: {column: N, min: 1.0e+8}}
      exclude:
        - {name: least_squares_loss, reason: "..."}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import MetadataError
from ..fitting import make_objective
from ..fitting.scoring import ERRORS

__all__ = ["Spec", "Selection", "family_of", "default_specs", "paper_specs", "read_multiverse", "check_entries", "dense_axes",
           "search_specs", "criterion_specs", "objective_specs", "added_spec", "score_words", "DENSE_GRID", "HUBER_DELTAS", "DATA_KEYS", "DIGITISATION_ERROR"]

HUBER_DELTAS = (1e-4, 1e-3, 1e-2, 1e-1)
DATA_KEYS = ("counting", "resampling", "no_exclusion")  # checked in detail by data_specs.py
LND_LAWS = ("chinchilla", "chinchilla_tied", "data_constrained", "data_constrained_untied", "overtraining_loss",
            "parscale", "parscale_power", "routed_bilinear")
DENSE_FACTOR = 2  # the denser grid has at most this many times the paper's starts
DECILE_MIN_VALUES = 10  # with fewer distinct values than this, "the smallest" is the lowest value, else the lowest decile


@dataclass(frozen=True)
class Selection:
    """Which points a specification keeps: drop the lowest or highest values of an input (or of C = 6 N D), or keep
    a declared range of a column."""

    kind: str  # "lowest", "highest" or "range"
    of: str  # an input name, "C" (6 N D) for the compute budget, or a frame column for "range"
    low: float = -np.inf
    high: float = np.inf

    def mask(self, X: dict[str, np.ndarray], columns: dict[str, np.ndarray]) -> tuple[np.ndarray, str]:
        """The points kept, and a sentence saying which were dropped."""
        if self.kind == "range":
            v = columns[self.of]
            keep = (v >= self.low) & (v <= self.high)
            return keep, f"kept {self.of} in [{self.low:g}, {self.high:g}]"
        v = 6.0 * X["N"] * X["D"] if self.of == "C" else X[self.of]
        values = np.unique(v)
        if values.size < DECILE_MIN_VALUES:
            cut = values[0] if self.kind == "lowest" else values[-1]
            drop = v == cut
            what = f"the {'lowest' if self.kind == 'lowest' else 'highest'} value of {self.of} ({cut:.3g})"
        else:
            cut = np.quantile(v, 0.1 if self.kind == "lowest" else 0.9)
            drop = v <= cut if self.kind == "lowest" else v >= cut
            what = f"the {'lowest' if self.kind == 'lowest' else 'highest'} decile of {self.of} ({'<=' if self.kind == 'lowest' else '>='} {cut:.3g})"
        return ~drop, f"dropped {int(drop.sum())} points: {what}"


@dataclass(frozen=True)
class Spec:
    """One alternative: the choice it changes (``changed``), how, and why it is defensible."""

    name: str
    changed: str  # "objective", "start grid", "points" or "data"
    what: str  # the alternative, in words
    reason: str
    objective: dict | None = None  # None: the main fit's criterion
    starts: str = "paper"  # "paper", "dense" or "profiled" (the profiled exponent search)
    selection: Selection | None = None
    perturb: bool = False  # every bootstrap replicate's points moved within their digitisation errors
    origin: str = "default"  # "default" or "paper"
    extra: dict = field(default_factory=dict)
    # the family alternatives (robustness/family_specs.py): how per-group fits are scored against each other (error
    # column, truncation decimals) or protocol settings changed, both only by a rerun of the script; and the larger
    # law a fit's law is nested in, refitted at the fit level and by the rerun
    score: dict | None = None
    law: str | None = None  # the larger law this specification fits instead (laws/nesting.py)
    settings: dict | None = None

    @property
    def paper_level(self) -> bool:
        """Whether only a rerun of the whole script can apply this choice (scoring or settings)."""
        return self.score is not None or self.settings is not None


def family_of(law: str) -> str:
    """The law family whose default specifications apply: 'lnd' for L(N, D)-type laws, else 'curve' (one input)."""
    return "lnd" if law in LND_LAWS else "curve"


def objective_specs(main: dict) -> list[Spec]:
    """Huber deltas (in the main criterion's Huber form), least squares on log loss and on loss; the main one left out."""
    huber_name = main.get("name") if main.get("name") in ("huber", "huber_likelihood") else "huber"
    same = make_objective(main)
    return [s for s in criterion_specs(huber_name) if make_objective(s.objective) != same]


def criterion_specs(huber_name: str = "huber") -> list[Spec]:
    """Every criterion alternative: the Huber deltas (in the Huber form ``huber_name``), least squares on log loss
    and on loss."""
    out = []
    for d in HUBER_DELTAS:
        out.append(Spec(f"huber_{d:g}", "objective", f"{huber_name} with delta {d:g}", (
            "the Huber threshold decides which residuals count as outliers; papers rarely justify theirs"),
            {"name": huber_name, "delta": d}))
    out.append(Spec("least_squares_log", "objective", "least squares on log loss",
                    "no down-weighting of large residuals, in the space most laws are fitted in", {"name": "squared", "space": "log"}))
    out.append(Spec("least_squares_loss", "objective", "least squares on loss",
                    "residuals on the loss itself, as curve_fit-style fits do", {"name": "squared", "space": "linear"}))
    return out


DENSE_GRID = Spec("dense_grid", "start grid", "a denser start grid (midpoints added on the last axes)",
                  "an optimum the paper's grid misses shows as a different estimate", starts="dense")


DIGITISATION_ERROR = Spec(
    "digitisation_error", "data", "points perturbed within their digitisation error, with the point bootstrap",
    "points read off a figure are known only to within their reading error, which the point bootstrap alone leaves "
    "out", perturb=True)


def default_specs(law: str, main_objective: dict, inputs: tuple[str, ...]) -> list[Spec]:
    """The declared alternatives for a fit of ``law`` on ``inputs`` whose criterion is ``main_objective``."""
    specs = objective_specs(main_objective)
    specs.append(DENSE_GRID)
    specs += search_specs(law)
    specs.append(DIGITISATION_ERROR)
    if family_of(law) == "lnd" and "N" in inputs:
        specs.append(Spec("without_smallest_N", "points", "without the smallest models (lowest N value or decile)",
                          "small models often sit off the asymptotic law", selection=Selection("lowest", "N")))
        if "D" in inputs:
            specs.append(Spec("without_largest_C", "points", "without the largest compute budget (C = 6 N D)",
                              "the largest runs dominate extrapolation; the law should not hinge on them",
                              selection=Selection("highest", "C")))
    elif inputs:
        x = inputs[0]
        specs.append(Spec(f"without_smallest_{x}", "points", f"without the smallest {x} (lowest value or decile)",
                          "the small-scale end often departs from a power law", selection=Selection("lowest", x)))
        specs.append(Spec(f"without_largest_{x}", "points", f"without the largest {x} (highest value or decile)",
                          "a law should not hinge on its largest points", selection=Selection("highest", x)))
    return specs


def search_specs(law: str) -> list[Spec]:
    """The global search over the exponents (fitting/profiled.py) as the start procedure, for the L(N, D) family."""
    if family_of(law) != "lnd":
        return []
    return [Spec("profiled_search", "start grid", "a global search over the exponents with the linear coefficients "
                 "profiled out (fitting/profiled.py), its best distinct optima as the starts",
                 "a start grid can miss the global optimum; the profiled search covers the exponents densely",
                 starts="profiled")]


def dense_axes(params: tuple[str, ...], axes: dict) -> dict:
    """The paper's start grid with midpoints added on its axes, last parameter first, while the grid stays at most
    DENSE_FACTOR times as large."""
    from ..fitting.starts import grid_values

    values = {p: grid_values(axes[p]) for p in params}
    size = int(np.prod([len(v) for v in values.values()]))
    limit = DENSE_FACTOR * size
    for p in reversed(params):
        v = np.sort(values[p])
        if v.size < 2:
            continue
        finer = np.sort(np.concatenate([v, (v[:-1] + v[1:]) / 2]))
        new_size = size // v.size * finer.size
        if new_size > limit:
            break
        values[p], size = finer, new_size
    return {p: [float(x) for x in values[p]] for p in params}


def read_multiverse(path: Path, protocol: dict | None) -> dict:
    """The raw ``protocol.multiverse`` mapping of a paper.yaml ({} if absent), checked for its shape."""
    block = (protocol or {}).get("multiverse")
    if block is None:
        return {}
    field_ = "protocol.multiverse"
    if not isinstance(block, dict):
        raise MetadataError(path, field_, f"expected a mapping, got {type(block).__name__}", "write fits:, add: and exclude: under it")
    unknown = set(block) - {"fits", "add", "exclude", "isoflop", "script"} - set(DATA_KEYS)  # isoflop: isoflop_specs.py
    if unknown:
        raise MetadataError(path, f"{field_}.{sorted(unknown)[0]}", "unknown key",
                            f"use one of fits, add, exclude, isoflop, script, {', '.join(DATA_KEYS)}")
    script = block.get("script")
    if script is not None and (not isinstance(script, dict) or script.get("when") != "robustness"
                               or not isinstance(script.get("reason"), str) or not script["reason"].strip()):
        raise MetadataError(path, f"{field_}.script", f"expected {{when: robustness, reason: ...}}, got {script!r}",
                            "write when: robustness (the paper-level rerun only in make robustness) and a one-line reason")
    fits = block.get("fits", [])
    if not isinstance(fits, list) or not all(isinstance(f, str) and f for f in fits):
        raise MetadataError(path, f"{field_}.fits", f"expected a list of fit names, got {fits!r}", "list fit names, e.g. [grid]")
    check_entries(path, block, field_)
    return block


def check_entries(path: Path, block: dict, field_: str) -> None:
    """The ``add`` and ``exclude`` lists of a multiverse block (the law fits' or the IsoFLOP fits'): each entry a
    mapping with a name and a one-line reason."""
    for key in ("add", "exclude"):
        entries = block.get(key, [])
        if not isinstance(entries, list):
            raise MetadataError(path, f"{field_}.{key}", f"expected a list, got {type(entries).__name__}", "write a list of entries")
        for i, e in enumerate(entries):
            where = f"{field_}.{key}[{i}]"
            if not isinstance(e, dict) or not isinstance(e.get("name"), str) or not e["name"].strip():
                raise MetadataError(path, where, "an entry needs a name", "give name: and reason:")
            if not isinstance(e.get("reason"), str) or not e["reason"].strip():
                raise MetadataError(path, f"{where}.reason", f"specification '{e['name']}' has no reason",
                                    "give a one-line reason why the alternative is defensible (or why it is excluded)")


def added_spec(path: Path, i: int, e: dict) -> Spec:
    """One ``add`` entry as a Spec, with the field at fault named."""
    where = f"protocol.multiverse.add[{i}]"
    kinds = ("objective", "starts", "points", "settings", "score")
    allowed = {"name", "reason", "what", *kinds}
    unknown = set(e) - allowed
    if unknown:
        raise MetadataError(path, f"{where}.{sorted(unknown)[0]}", "unknown key", f"use {', '.join(sorted(allowed))}")
    choices = [k for k in kinds if k in e]
    if len(choices) != 1:
        raise MetadataError(path, where, f"specification '{e['name']}' changes {len(choices)} choices",
                            "give exactly one of objective:, starts:, points:, settings: or score: (one choice per "
                            "specification)")
    if "settings" in e:
        if not isinstance(e["settings"], dict) or not e["settings"]:
            raise MetadataError(path, f"{where}.settings", f"expected a mapping of protocol.settings entries, got {e['settings']!r}",
                                "give the settings the alternative changes and their new values")
        what = e.get("what") or "protocol settings " + ", ".join(sorted(e["settings"])) + " changed"
        return Spec(e["name"], "settings", str(what), e["reason"], settings=dict(e["settings"]), origin="paper")
    if "score" in e:
        return Spec(e["name"], "scoring", score_words(path, f"{where}.score", e["score"]), e["reason"],
                    score=dict(e["score"]), origin="paper")
    if "objective" in e:
        try:
            make_objective(e["objective"])
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise MetadataError(path, f"{where}.objective", str(exc).strip("'\""),
                                "e.g. {name: huber, delta: 1.0e-2}; see replication/fitting/objectives.py") from None
        return Spec(e["name"], "objective", f"objective {e['objective']}", e["reason"], dict(e["objective"]), origin="paper")
    if "starts" in e:
        if e["starts"] not in ("paper", "dense", "profiled"):
            raise MetadataError(path, f"{where}.starts", f"unknown start grid {e['starts']!r}", "use paper, dense or profiled")
        return Spec(e["name"], "start grid", f"{e['starts']} start grid", e["reason"], starts=e["starts"], origin="paper")
    pts = e["points"]
    if not isinstance(pts, dict) or not isinstance(pts.get("column"), str) or not ({"min", "max"} & set(pts)):
        raise MetadataError(path, f"{where}.points", f"expected {{column:, min:, max:}}, got {pts!r}",
                            "name a column of the fitted data and a min and/or max to keep")
    try:
        low, high = float(pts.get("min", -np.inf)), float(pts.get("max", np.inf))
    except (TypeError, ValueError):
        raise MetadataError(path, f"{where}.points", "min and max must be numbers", "write numbers") from None
    sel = Selection("range", pts["column"], low, high)
    return Spec(e["name"], "points", f"points with {pts['column']} in [{low:g}, {high:g}]", e["reason"], selection=sel,
                origin="paper")


def paper_specs(path: Path, block: dict, defaults: list[Spec], elsewhere: frozenset = frozenset()) -> tuple[list[Spec], list[dict]]:
    """The defaults minus the paper's exclusions plus its additions (those a fit can take: not the paper-level ones);
    and the exclusions (name, reason) to report. ``elsewhere``: names of paper-level defaults, excluded there."""
    names = {s.name for s in defaults}
    excluded = []
    for i, e in enumerate(block.get("exclude", [])):
        if e["name"] in elsewhere and e["name"] not in names:
            continue
        if e["name"] not in names:
            raise MetadataError(path, f"protocol.multiverse.exclude[{i}].name", f"no default specification '{e['name']}'",
                                f"use one of {', '.join(sorted(names))}")
        excluded.append({"spec": e["name"], "reason": e["reason"]})
    gone = {e["spec"] for e in excluded}
    specs = [s for s in defaults if s.name not in gone]
    for i, e in enumerate(block.get("add", [])):
        spec = added_spec(path, i, e)
        if spec.name in names or spec.name in {s.name for s in specs}:
            raise MetadataError(path, f"protocol.multiverse.add[{i}].name", f"specification '{spec.name}' already exists",
                                "give it a new name")
        if not spec.paper_level:
            specs.append(spec)
    return specs, excluded


def score_words(path: Path, where: str, score) -> str:
    """A ``score`` choice in words ({error: one of ERRORS, decimals: a whole number or null}), checked."""
    if not isinstance(score, dict) or not score or set(score) - {"error", "decimals"}:
        raise MetadataError(path, where, f"expected {{error:, decimals:}}, got {score!r}",
                            f"give error: (one of {', '.join(ERRORS)}) and/or decimals: (a whole number, or null)")
    words = []
    if "error" in score:
        if score["error"] not in ERRORS:
            raise MetadataError(path, f"{where}.error", f"unknown error {score['error']!r}", f"use one of {', '.join(ERRORS)}")
        words.append(f"winners by {ERRORS[score['error']]} on the held-out split")
    if "decimals" in score:
        d = score["decimals"]
        if d is not None and (isinstance(d, bool) or not isinstance(d, int) or d < 0):
            raise MetadataError(path, f"{where}.decimals", f"expected a whole number or null, got {d!r}",
                                "give the decimals errors are truncated to, or null for none")
        words.append("errors compared untruncated (ties only when equal)" if d is None else f"errors truncated to {d} decimals")
    return "; ".join(words)
