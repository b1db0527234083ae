"""The multiverse: each main fit refitted under every declared specification, every claim on it re-judged.

``Audit.fit`` keeps a ``FitRecipe`` (the fit's arrays, law, criterion, start grid, bootstrap spec and optimum).
After the replication script, ``run_multiverse`` refits the paper's main fit (and the fits its metadata names) once
per specification of ``specs`` -- multi-start from the start grid (as the main fit's screen advanced it, ranked by the
specification's objective, the best KEEP_STARTS run to the end; a fresh screen of DENSE_SCREEN iterations for the denser grid) with the main optimum added as a start, then a
small bootstrap (B = min($SCALING_AUDIT_MULTIVERSE_B or 50, the fit's own count)) -- as independent tasks through
``run_tasks`` with a seed fixed per specification, so the result is the same for any worker count. Every testable
claim whose quantity the fit produces is then judged again by ``checks.claims.evaluate_claim`` with that fit's
quantities and fit-health rows replaced by the specification's. Specifications the data cannot support are
skipped, with the reason. A specification of the data (data_specs.py: counting, resampling unit, no exclusion) sees
the recipe with its inputs, rows or bootstrap unit replaced; the profiled_search specification takes its starts
from the profiled exponent search (fitting/profiled.py) instead of a grid. The specification ``digitisation_error``
refits nothing: it is the main fit with the interval of its own bootstrap redone with every resample's points moved
within their digitisation errors (all of the fit's resamples, the same seed, the audit's ``digitisation_error``
record), so its rows differ from the main rows by the errors alone, not by Monte Carlo noise of a small bootstrap.
"""

from __future__ import annotations

import os
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..checks.claims import evaluate_claim
from ..checks.fit_health import fit_health_rows
from ..checks.quantity import Quantity
from ..checks.verdicts import NOT_TESTABLE
from ..errors import MetadataError, SettingError
from ..fitting import fit_multistart, make_objective, start_grid
from ..fitting.hessian import objective_hessian
from ..fitting.profiled import STRUCTURES, search_starts, structure_of
from ..laws import Law, get_law
from ..laws.allocation import DERIVED
from ..laws.nesting import nesting_of
from ..metadata.paper import Paper
from ..parallel import run_tasks
from ..timing import stage
from ..uncertainty.bootstrap import bootstrap_fit
from .data_specs import check_data_block, data_specs, spec_units, spec_view
from .family_specs import family_names, nesting_specs
from .main_rows import COMPARED_WITH_MAIN, REFERENCE_SPEC, main_rows
from .specs import Spec, default_specs, dense_axes, paper_specs, read_multiverse

__all__ = ["FitRecipe", "run_multiverse", "multiverse_b_setting", "MULTIVERSE_B_ENV", "DEFAULT_B", "SENSITIVITY_COLUMNS",
           "ROBUSTNESS_COLUMNS", "RULE", "robustness_rows", "spec_task", "spec_seed", "fit_quantities", "claims_of"]

MULTIVERSE_B_ENV = "SCALING_AUDIT_MULTIVERSE_B"
DEFAULT_B = 50
KEEP_STARTS = 16  # the best-ranked starts run to convergence per specification (the main optimum is always among them)
DENSE_SCREEN = 5  # screen iterations for a grid the main fit did not screen (half the main fit's, to fit the budget)
SENSITIVITY_COLUMNS = ["paper", "fit", "spec", "changed", "quantity", "value", "ci_low", "ci_high", "verdict"]
ROBUSTNESS_COLUMNS = ["paper", "claim", "verdict_main", "verdict_reference", "n_specs", "share_same_verdict",
                      "most_influential_choice", "range_low", "range_high"]
RULE = ("each main fit is refitted under every declared alternative choice (criterion, start procedure, points kept, "
        "counting of parameters, compute or tokens, resampling unit, the larger law of its family), and claims the "
        "script computes from several fits by rerunning it (criterion, start grid, larger law, scoring of per-group "
        "fits, the paper's declared settings such as the runs fitted), one "
        "choice changed at a time, with a small bootstrap (its count is stated); where the fit's points carry "
        "digitisation errors, the main fit is also taken with its own bootstrap redone with the points moved within "
        "their errors (every resample, the same seed); each testable claim on the fit is "
        "judged again by the same verdict rules. An alternative keeps the verdict when it gives the main verdict or "
        "the main protocol's verdict on the first B of its own replicates (verdict_reference; spec main_at_b where it "
        "differs from the full count), so a verdict that moves only because a small bootstrap is less certain is not "
        "charged to the choice; the digitisation_error rows, which keep every replicate, must give the main verdict. "
        "share_same_verdict is the share of alternatives keeping the verdict; most_influential_choice is, among "
        "the alternatives that change the verdict, the one that moves the estimate most (relative to the main value), "
        "or, when none changes it, the one that moves it most; range_low and range_high span the estimate over the "
        "main fit and every alternative")


def multiverse_b_setting() -> int:
    """Bootstrap resamples per specification: $SCALING_AUDIT_MULTIVERSE_B, else DEFAULT_B; 0 skips the multiverse."""
    raw = os.environ.get(MULTIVERSE_B_ENV, "").strip()
    if not raw:
        return DEFAULT_B
    try:
        value = int(raw)
    except ValueError:
        value = -1
    if value < 0:
        raise SettingError(MULTIVERSE_B_ENV, raw, "must be a whole number >= 0",
                           "set it to a resample count (0 skips the multiverse), or leave it unset")
    return value


@dataclass
class FitRecipe:
    """What a fit needs to be redone under another choice."""

    name: str
    law: str
    inputs: dict[str, str]
    target: str
    objective: dict
    starts: dict
    bootstrap: dict  # the fit's bootstrap spec (n as run, seed, unit)
    frame: pd.DataFrame
    X: dict[str, np.ndarray]
    y: np.ndarray
    theta: np.ndarray  # the main fit's optimum, reused as a start
    screened: np.ndarray | None = None  # the paper's grid as the main fit's screen advanced it
    prepared: pd.DataFrame | None = None  # the rows of the fit's preparation before its data.where (None: not recorded)
    where: str | None = None  # the fit's declared row selection (data.where)
    prepare: str | None = None  # the name of the fit's preparation step
    errors: tuple[str, ...] = ()  # the columns of the points' digitisation errors, where the frame records them
    perturbed: np.ndarray | None = None  # the fit's bootstrap replicates with the points moved within those errors
    held_theta: np.ndarray | None = None  # the optimum of the fit's extrapolation check (fitted without the held-out rows)


def spec_seed(base: int, fit: str, spec: str) -> int:
    """A seed fixed by the fit's seed and the specification's name (never by the order or worker)."""
    return (int(base) + zlib.crc32(f"{fit}/{spec}".encode())) % (2**32)


def fit_quantities(law, theta: np.ndarray, samples: np.ndarray | None, settings: dict, prefix: str) -> dict:
    """The fitted constants and derived quantities (value, replicates) under the audit's names."""
    natural = {k: float(v) for k, v in law.natural_params(theta).items()}
    samp = {k: np.asarray(v) for k, v in law.natural_params(samples).items()} if samples is not None else {}
    out = {prefix + k: (v, samp.get(k)) for k, v in natural.items()}
    derive = DERIVED.get(law.name)
    if derive is not None:
        dp = derive({k: np.asarray(v) for k, v in natural.items()}, settings)
        ds = derive(samp, settings) if samp else {}
        out.update({prefix + k: (float(v), None if k not in ds else np.asarray(ds[k], dtype=float)) for k, v in dp.items()})
    return out, natural, samp


def spec_task(paper_key: str, fit: str, law: Law | str, objective: dict, axes: dict, X: dict, y: np.ndarray,
               keep: np.ndarray, groups, unit: str, theta0: np.ndarray, n_boot: int, seed: int, settings: dict,
               screened: np.ndarray | None = None, procedure: str = "grid", starts: np.ndarray | None = None) -> dict:
    """Refit one specification: multi-start with the main optimum added to the starts, a bootstrap of ``n_boot``,
    the fit's quantities and health rows. ``screened`` (the paper's grid as the main fit's screen advanced it) replaces
    a fresh screen of the grid: the starts are ranked by this specification's objective and the best run to the end.
    ``procedure`` "profiled" takes the starts from the profiled exponent search instead of the grid ``axes``;
    ``starts`` (a larger law's starts around the main optimum, laws/nesting.py) replaces the grid, screened like it.
    ``law`` is the law itself or a registered name: a law registered at run time (a fit with parameters held,
    laws/fixed.py) is not in a worker's registry, so callers that may run in one pass the law. Deterministic in its
    arguments."""
    law = law if isinstance(law, Law) else get_law(law)
    obj = make_objective(objective)
    Xs = {k: v[keep] for k, v in X.items()}
    ys = y[keep]
    gs = None if groups is None else np.asarray(groups)[keep]
    if starts is not None:
        base, screen_iter = np.asarray(starts, dtype=float), DENSE_SCREEN
    else:
        base, screen_iter = (screened, 0) if screened is not None else (start_grid(law.params, axes), DENSE_SCREEN)
    grid = boot_grid = np.vstack([base, np.asarray(theta0, dtype=float)[None, :]])
    if procedure == "profiled":  # the point from the search's starts; the bootstrap's safeguard keeps the paper's grid
        grid = np.vstack([_profiled_starts(law, obj, Xs, ys, theta0, axes), np.asarray(theta0, dtype=float)[None, :]])
        screen_iter = 0
    point = fit_multistart(law, obj, Xs, ys, grid, screen_iter=screen_iter, keep_fraction=0.0, keep_min=KEEP_STARTS,
                           confirm=False)
    samples = None
    if n_boot > 0:
        boot = bootstrap_fit(law, obj, Xs, ys, point, boot_grid, n_boot=n_boot, seed=seed, n_jobs=1, groups=gs,
                             unit=unit, inline=True)
        samples = boot.theta
    prefix = "" if fit == "main" else f"{fit}."
    qs, natural, samp = fit_quantities(law, point.theta, samples, settings, prefix)
    H = objective_hessian(law, obj, Xs, ys, point.theta)
    health = fit_health_rows(paper_key, fit, point, grid, H, samp or None, natural)
    return {"quantities": qs, "health": health, "n_points": int(keep.sum()), "fun": float(point.fun)}


def _profiled_starts(law, obj, X: dict, y: np.ndarray, theta0: np.ndarray, axes: dict) -> np.ndarray:
    """The starts of the profiled exponent search (fitting/profiled.py) over a grid reaching past the paper's."""
    return search_starts(law, obj, X, y, np.asarray(theta0, dtype=float), starts=start_grid(law.params, axes)).starts


def _search_support(spec: Spec, law) -> str:
    """Why the profiled exponent search cannot be the start procedure for this law ('' when it can)."""
    if spec.starts != "profiled" or structure_of(law) is not None:
        return ""
    return (f"fitting/profiled.py profiles the linear coefficients of {', '.join(sorted(STRUCTURES))} only; law "
            f"'{law.name}' has no such structure registered")


def _specs_for(paper: Paper, recipe: FitRecipe, block: dict, path: Path) -> tuple[list[Spec], list[dict]]:
    """The fit's default specifications, those its data support (data_specs.py), and the paper's changes."""
    inputs = tuple(get_law(recipe.law).inputs)
    defaults = (default_specs(recipe.law, recipe.objective, inputs) + data_specs(recipe, block, inputs, path)
                + nesting_specs({recipe.law}))
    return paper_specs(path, block, defaults, family_names())


def _plan(recipe: FitRecipe, spec: Spec, law, path: Path, i_col: dict) -> tuple[np.ndarray | None, str, dict]:
    """The points kept, a note, and the start axes for a specification; keep None (with the reason) if the data cannot
    support it."""
    keep = np.ones(len(recipe.y), dtype=bool)
    note = ""
    axes = dense_axes(tuple(law.params), recipe.starts) if spec.starts == "dense" else recipe.starts
    if spec.perturb:
        if not recipe.errors:
            return None, "the fit's points record no digitisation errors (no <column>_err column beside a fitted column)", axes
        if recipe.perturbed is None:
            return None, "the fit has no bootstrap whose resamples the errors could perturb", axes
        return keep, (f"the main fit's {recipe.perturbed.shape[0]} resamples (seed {int(recipe.bootstrap.get('seed', 0))}), "
                      f"points moved within {', '.join(recipe.errors)}"), axes
    if spec.selection is not None:
        sel = spec.selection
        if sel.kind == "range" and sel.of not in recipe.frame.columns:
            raise MetadataError(path, f"protocol.multiverse.add ({spec.name}).points.column",
                                f"fit '{recipe.name}' has no column '{sel.of}'", f"use one of {list(recipe.frame.columns)}")
        if sel.kind != "range" and sel.of == "C" and not {"N", "D"} <= set(recipe.X):
            return None, "the law has no N and D inputs to form C = 6 N D", axes
        if sel.kind != "range" and sel.of != "C" and sel.of not in recipe.X:
            return None, f"the law has no input {sel.of}", axes
        cols = {sel.of: recipe.frame[sel.of].to_numpy(dtype=float)} if sel.kind == "range" else {}
        keep, note = sel.mask(recipe.X, cols)
        if keep.all():
            return None, "the selection drops no point (identical to the main fit)", axes
    if keep.sum() <= law.n_params:
        return None, f"{int(keep.sum())} points left for {law.n_params} parameters", axes
    if spec.starts == "dense" and start_grid(law.params, axes).shape[0] == start_grid(law.params, recipe.starts).shape[0]:
        return None, "the start grid has no axis with two or more values to refine", axes
    return keep, note, axes


def _perturbed_result(recipe: FitRecipe, law, health: list[dict], settings: dict, prefix: str) -> dict:
    """The specification digitisation_error, as a task's result: the main optimum, its health rows, and the replicates
    of its bootstrap with the points moved within their errors."""
    qs = fit_quantities(law, recipe.theta, recipe.perturbed, settings, prefix)[0]
    return {"quantities": qs, "health": [h for h in health if h["fit"] == recipe.name], "n_points": len(recipe.y),
            "fun": float("nan")}


def claims_of(paper: Paper, produced: set[str], judged: dict[str, dict]) -> list:
    """The testable claims whose quantity (or every component's) the fit produces."""
    out = []
    for c in paper.claims:
        if judged.get(c.id, {}).get("verdict", NOT_TESTABLE) == NOT_TESTABLE:
            continue
        names = [paper.claim(x).quantity for x in c.components] if c.rule == "joint" else [c.quantity]
        if names and all(n in produced for n in names):
            out.append(c)
    return out


def run_multiverse(paper: Paper, recipes: dict[str, FitRecipe], quantities: dict[str, Quantity], health: list[dict],
                   claims: list[dict], n_jobs: int = 1, path: Path | None = None, protocol_raw: dict | None = None) -> dict:
    """Refit the main fits under every specification and re-judge their claims; the record for result.json."""
    b_setting = multiverse_b_setting()
    out = {"b": b_setting, "rule": RULE, "fits": [], "skipped": [], "excluded": [], "rows": [], "robustness": []}
    if b_setting == 0:
        out["note"] = f"multiverse skipped ({MULTIVERSE_B_ENV}=0)"
        return out
    block = read_multiverse(path, protocol_raw)
    check_data_block(path, block)
    names = ["main"] + [f for f in block.get("fits", []) if f != "main"]
    for f in names[1:]:
        if f not in recipes:
            raise MetadataError(path, "protocol.multiverse.fits", f"the replication runs no fit '{f}'",
                                f"use one of {', '.join(sorted(recipes)) or '(none)'}")
    judged = {r["claim"]: r for r in claims}
    settings = dict(paper.protocol.settings) if paper.protocol else {}
    tasks, meta, ready = [], [], {}  # ready: results computed here (digitisation_error), by their place in meta
    produced_by = {}  # per fit, the quantities it produces
    for fit in [f for f in names if f in recipes]:
        recipe = recipes[fit]
        law = get_law(recipe.law)
        specs, excluded = _specs_for(paper, recipe, block, path)
        out["excluded"] += [dict(e, fit=fit) for e in excluded]
        n_boot = min(b_setting, int(recipe.bootstrap.get("n", 0)))
        prefix = "" if fit == "main" else f"{fit}."
        produced = produced_by[fit] = set(fit_quantities(law, recipe.theta, None, settings, prefix)[0])
        fit_claims = claims_of(paper, produced, judged)
        out["fits"].append({"fit": fit, "n_boot": n_boot, "specs": [s.name for s in specs],
                            "claims": [c.id for c in fit_claims]})
        if not fit_claims:  # the refits would judge no claim
            continue
        for spec in specs:
            view, seen = spec_view(recipe, spec, tuple(law.inputs), path)
            reason = _search_support(spec, law)
            if view is None or reason:
                out["skipped"].append({"fit": fit, "spec": spec.name, "reason": seen if view is None else reason})
                continue
            keep, note, axes = _plan(view, spec, law, path, {})
            if keep is not None and spec.perturb:
                ready[len(meta)] = _perturbed_result(view, law, health, settings, prefix)
                meta.append((fit, spec, note, int(recipe.bootstrap.get("seed", 0)), fit_claims, prefix))
                continue
            units = spec_units(view, spec, f"papers/{paper.key}", path) if keep is not None else None
            if keep is None or isinstance(units, str):
                out["skipped"].append({"fit": fit, "spec": spec.name, "reason": note if keep is None else units})
                continue
            groups, unit = units
            seed = spec_seed(int(recipe.bootstrap.get("seed", 0)), fit, spec.name)
            obj = spec.objective if spec.objective is not None else recipe.objective
            nest = nesting_of(recipe.law) if spec.law is not None else None
            if nest is not None:  # the larger law, from the main optimum embedded in it and the starts around it
                Xk = {k: v[keep] for k, v in view.X.items()}
                tasks.append((paper.key, fit, get_law(nest.larger), obj, axes, view.X, view.y, keep, groups, unit,
                              nest.embed(recipe.theta)[0], n_boot, seed, settings, None, "grid", nest.starts(recipe.theta, Xk)))
            else:
                tasks.append((paper.key, fit, law, obj, axes, view.X, view.y, keep, groups, unit, recipe.theta,
                              n_boot, seed, settings, view.screened if spec.starts != "dense" else None,
                              "profiled" if spec.starts == "profiled" else "grid"))
            meta.append((fit, spec, "; ".join(x for x in (seen, note) if x), seed, fit_claims, prefix))
    if not meta:
        return out
    with stage("multiverse"):
        computed = iter(run_tasks(spec_task, tasks, n_jobs, label="multiverse specifications") if tasks else [])
    results = [ready[i] if i in ready else next(computed) for i in range(len(meta))]
    for (fit, spec, note, seed, fit_claims, prefix), res in zip(meta, results):
        qs = dict(quantities)
        for k, (v, s) in res["quantities"].items():
            qs[k] = Quantity(v, s, "bootstrap percentile")
        hs = [h for h in health if h["fit"] != fit] + res["health"]
        for c in fit_claims:
            row = evaluate_claim(paper, c, qs, health=hs)
            out["rows"].append({"paper": paper.key, "fit": fit, "spec": spec.name, "changed": f"{spec.changed}: {spec.what}",
                                "quantity": row["quantity"], "value": row["replicated"], "ci_low": row["ci_low"],
                                "ci_high": row["ci_high"], "verdict": row["verdict"], "claim": c.id, "claimed": row["claimed"],
                                "reason": spec.reason, "n_points": res["n_points"], "seed": seed, "selection": note,
                                "origin": spec.origin,
                                "compared_with": COMPARED_WITH_MAIN if spec.perturb else REFERENCE_SPEC})
    mains = []
    for fit in out["fits"]:
        mains += main_rows(paper, fit["fit"], fit["claims"], judged, quantities, health, fit["n_boot"],
                           produced_by[fit["fit"]])
    out["rows"] = mains + out["rows"]
    out["robustness"] = robustness_rows(out["rows"])
    return out


def robustness_rows(rows: list[dict]) -> list[dict]:
    """Per claim: its main verdict, the verdict it is compared with at the alternatives' count (main_rows.py), how many
    alternatives ran, the share keeping that verdict, the most influential choice (see RULE) and the range of the
    estimate."""
    out = []
    by_claim: dict[tuple, list[dict]] = {}
    for r in rows:
        by_claim.setdefault((r["paper"], r["claim"]), []).append(r)
    for (paper, claim), group in by_claim.items():
        main = next((r for r in group if r["spec"] == "main"), None)
        if main is None:
            continue
        reference = next((r for r in group if r["spec"] == REFERENCE_SPEC), main)
        alts = [r for r in group if r["spec"] not in ("main", REFERENCE_SPEC)]
        v0 = float(main["value"])

        def shift(r: dict) -> float:
            v = float(r["value"])
            if not np.isfinite(v) or not np.isfinite(v0):
                return -np.inf if not np.isfinite(v) else np.inf
            return abs(v - v0) / abs(v0) if v0 != 0 else abs(v - v0)

        def kept(r: dict) -> bool:
            """The verdict of the main protocol, at the full count or (for a B-resample row) at the same count."""
            same_count = reference["verdict"] if r.get("compared_with") != COMPARED_WITH_MAIN else main["verdict"]
            return r["verdict"] in (main["verdict"], same_count)

        flips = [r for r in alts if not kept(r)]
        pool = flips or alts
        top = max(pool, key=shift)["spec"] if pool else ""
        vals = np.array([float(r["value"]) for r in group], dtype=float)
        vals = vals[np.isfinite(vals)]
        out.append({"paper": paper, "claim": claim, "verdict_main": main["verdict"],
                    "verdict_reference": reference["verdict"], "n_specs": len(alts),
                    "share_same_verdict": (1 - len(flips) / len(alts)) if alts else float("nan"),
                    "most_influential_choice": top,
                    "range_low": float(vals.min()) if vals.size else float("nan"),
                    "range_high": float(vals.max()) if vals.size else float("nan"),
                    "fit": main["fit"], "changes_verdict": bool(flips)})
    return out
