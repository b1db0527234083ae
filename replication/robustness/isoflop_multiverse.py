"""The multiverse of IsoFLOP (Approach 2) fits: each refitted under every declared specification (``isoflop_specs``),
every testable claim on it re-judged, the rows added to the law fits' sensitivity record.

``Audit.isoflop`` keeps an ``IsoflopRun`` per analysis (one per group of a grouped fit): its runs, ``IsoflopSpec``,
bootstrap (count as run, seed, unit), compute budgets and quantity names. The IsoFLOP fits in the multiverse are
those a testable claim rests on. Each specification reruns every group through the protocol (``run_isoflop`` with
the changed spec, the main fit's bootstrap unit with B = min(the multiverse's count, the fit's own), the seed fixed by
the fit's seed and the specification's name, then per group as the main fit: ``group_seed``), and names the
quantities as the audit does (``IsoflopResult.quantities``); a power law that is a law fit of the engine
(``through``) is refitted by the law multiverse's own task on the new minima. One task per specification through
``run_tasks``, so results do not depend on the workers. Claims are judged by ``checks.claims.evaluate_claim`` with the
fit's quantities replaced, rows and robustness rows in the law multiverse's format.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from ..checks.claims import evaluate_claim
from ..checks.quantity import Quantity
from ..errors import AuditError, FitError
from ..laws import get_law
from ..metadata.paper import Paper
from ..parallel import run_tasks
from ..protocols.isoflop import IsoflopSpec, group_seed, locate_minima, run_isoflop
from ..timing import stage
from .isoflop_specs import BLOCK, IsoSpec, default_isoflop_specs, paper_isoflop_specs, plan, read_isoflop_block
from .main_rows import REFERENCE_SPEC, main_rows
from .multiverse import FitRecipe, claims_of, fit_quantities, spec_seed, spec_task, robustness_rows

__all__ = ["IsoflopRun", "add_isoflop_multiverse", "ISOFLOP_RULE"]

ISOFLOP_RULE = ("IsoFLOP (Approach 2) fits are refitted under their own declared alternatives (the rule locating each "
                "budget's minimum, the weighting of the power law through the minima, the compute tolerance grouping "
                "runs into budgets, the smallest or the largest budget left out, and a paper's additions such as the "
                "raw-points rule for given optima), one at a time, with the main fit's bootstrap kind and the same "
                "small count")

WHAT = "the power law through the minima"  # how a refit's own messages name it (a skip reason quotes them)


@dataclass
class IsoflopRun:
    """One Approach-2 analysis as the audit ran it (one group of a grouped fit), for the multiverse to redo."""

    fit: str
    group: str | None
    suffix: str  # the quantities' group suffix ("" for an ungrouped fit or the unsuffixed group)
    frame: pd.DataFrame
    spec: IsoflopSpec
    bootstrap: dict  # n as run, seed, unit
    budgets: tuple[float, ...]  # compute budgets of the derived allocation
    names: dict  # aliases of the exponent and coefficient


def _isoflop_task(paper_key: str, fit: str, items: list[tuple], n_boot: int, unit: str, through: tuple | None,
                  settings: dict) -> dict:
    """Rerun every group of one specification: ``items`` are (group, suffix, frame, spec, budgets, names, seed);
    ``through`` is (law, objective, starts, theta) for a power law fitted by the engine. Per group its quantities,
    points and interval kind, or the reason it could not run (data the rule cannot use). Deterministic."""
    prefix = "" if fit == "main" else f"{fit}."
    out, health = [], []
    for group, suffix, frame, spec, budgets, names, seed in items:
        try:
            n_min = int(locate_minima(frame, spec)["valid"].sum())
            if n_min < 2:
                raise FitError(f"{n_min} budget(s) with a minimum under this choice; the power law needs two")
            if through is None:
                res = run_isoflop(frame, spec, n_boot=n_boot, seed=seed, unit=unit if n_boot > 0 else "none", what=WHAT)
                qs = {f"{prefix}{k}{suffix}": v for k, v in res.quantities(budgets, names).items()}
                out.append({"group": group, "quantities": qs, "n_points": res.n_points, "kind": res.description})
                continue
            law, objective, starts, theta = through
            used = run_isoflop(frame, replace(spec, through={}), what=WHAT).used
            if len(used) <= law.n_params:
                raise FitError(f"{len(used)} budgets with a minimum for the {law.n_params} parameters of {law.name}")
            X = {"C": used["budget"].to_numpy(dtype=float)}
            y = used["N_star" if "N_star" in used else "x_opt"].to_numpy(dtype=float)
            r = spec_task(paper_key, fit, law, objective, starts, X, y, np.ones(y.size, dtype=bool), None,
                           "data points", theta, 0, seed, settings)
            health += r["health"]
            out.append({"group": group, "quantities": r["quantities"], "n_points": int(len(frame)),
                        "kind": "bootstrap percentile"})
        except (AuditError, FitError) as exc:
            out.append({"group": group, "skipped": str(exc).split(". Fix:")[0].replace(f"{spec.where}: ", "")})
    return {"groups": out, "health": health}


def _through(run: IsoflopRun, recipes: dict[str, FitRecipe]) -> tuple | None:
    """(law, objective, starts, optimum) of a power law the engine fitted through the minima, or None; the law
    itself, not its name (the task may run in a worker, whose registry lacks laws registered at run time)."""
    if not run.spec.through:
        return None
    r = recipes[run.fit]
    return get_law(r.law), r.objective, r.starts, r.theta


def _produced(fit: str, runs: list[IsoflopRun], recipes: dict[str, FitRecipe], settings: dict) -> set[str]:
    """The names of the quantities the main fit produced (every group)."""
    prefix = "" if fit == "main" else f"{fit}."
    through = _through(runs[0], recipes)
    if through is not None:
        law, _, _, theta = through
        return set(fit_quantities(law, theta, None, settings, prefix)[0])
    out = set()
    for run in runs:
        res = run_isoflop(run.frame, run.spec)
        out |= {f"{prefix}{k}{run.suffix}" for k in res.quantities(run.budgets, run.names)}
    return out


def add_isoflop_multiverse(record: dict, paper: Paper, runs: list[IsoflopRun], recipes: dict[str, FitRecipe],
                           quantities: dict[str, Quantity], health: list[dict], claims: list[dict], n_jobs: int = 1,
                           path: Path | None = None, protocol_raw: dict | None = None) -> dict:
    """Refit the IsoFLOP fits under every specification, re-judge their claims, and add the rows (and the fits,
    skipped and excluded specifications) to ``record``, the law multiverse's result; its robustness rows are redone."""
    if record.get("b", 0) == 0 or not runs:
        return record
    block = read_isoflop_block(path, protocol_raw)
    by_fit: dict[str, list[IsoflopRun]] = {}
    for run in runs:
        by_fit.setdefault(run.fit, []).append(run)
    fits = list(by_fit)
    others = {(r.fit, r.group): r for r in runs}
    settings = dict(paper.protocol.settings) if paper.protocol else {}
    judged = {r["claim"]: r for r in claims}
    chosen = {}
    for fit, fruns in by_fit.items():
        produced = _produced(fit, fruns, recipes, settings)
        fit_claims = claims_of(paper, produced, judged)
        if fit_claims:
            chosen[fit] = (fruns, fit_claims, default_isoflop_specs(fruns[0].spec, bool(fruns[0].spec.through)),
                           produced)
    known = {s.name for _, _, (d, _), _ in chosen.values() for s in d}
    add_index = {e["name"]: f"{BLOCK}.add[{i}]" for i, e in enumerate(block.get("add", []))}
    iso_rows, iso_mains, tasks, meta = [], [], [], []
    has_main = {r["claim"] for r in record["rows"] if r["spec"] == "main"}  # claims the law multiverse already holds
    for fit, (fruns, fit_claims, (defaults, cannot), produced) in chosen.items():
        specs, excluded = paper_isoflop_specs(path, block, fit, defaults, fits, known)
        boot = fruns[0].bootstrap
        n_boot = min(int(record["b"]), int(boot.get("n", 0)))
        record["fits"].append({"fit": fit, "approach": "isoflop", "groups": len(fruns), "n_boot": n_boot,
                               "specs": [s.name for s in specs], "claims": [c.id for c in fit_claims]})
        record["excluded"] += [dict(e, fit=fit) for e in excluded]
        record["skipped"] += [{"fit": fit, "spec": name, "reason": why} for name, why in cannot]
        minima = {r.group: locate_minima(r.frame, r.spec) for r in fruns}
        for s in specs:
            seed = spec_seed(int(boot.get("seed", 0)), fit, s.name)
            items, notes, reasons = [], {}, {}
            for r in fruns:
                o = others.get((s.runs, r.group)) if s.runs else None
                p = plan(s, r.frame, r.spec, minima[r.group], None if o is None else (o.frame, o.spec), path,
                         add_index.get(s.name, BLOCK))
                if isinstance(p, str):
                    reasons[r.group] = p
                    continue
                frame, spec, notes[r.group] = p
                items.append((r.group, r.suffix, frame, spec, r.budgets, r.names, group_seed(seed, r.group)))
            _skips(record, fit, s.name, reasons)
            if items:
                tasks.append((paper.key, fit, items, n_boot, boot.get("unit", "none"), _through(fruns[0], recipes), settings))
                meta.append((fit, s, seed, notes, fit_claims))
        iso_mains += main_rows(paper, fit, [c.id for c in fit_claims if c.id not in has_main], judged,
                               quantities, health, n_boot, produced)
    if not chosen:
        return record
    with stage("multiverse"):
        results = run_tasks(_isoflop_task, tasks, n_jobs, label="IsoFLOP multiverse specifications")
    for (fit, s, seed, notes, fit_claims), res in zip(meta, results):
        iso_rows += _judged(paper, fit, s, seed, notes, fit_claims, res, quantities, health)
        _skips(record, fit, s.name, {g["group"]: g["skipped"] for g in res["groups"] if "skipped" in g})
    record["rows"] = record["rows"] + iso_mains + iso_rows
    record["robustness"] = robustness_rows(record["rows"])
    record["rule"] = f"{record['rule']}. {ISOFLOP_RULE}"
    return record


def _skips(record: dict, fit: str, spec: str, reasons: dict) -> None:
    """Skipped entries for the groups (or the ungrouped fit) that could not support a specification."""
    for group, why in reasons.items():
        record["skipped"].append({"fit": fit, "spec": spec, "reason": why if group is None else f"group {group}: {why}"})


def _judged(paper: Paper, fit: str, s: IsoSpec, seed: int, notes: dict, fit_claims: list, res: dict,
            quantities: dict[str, Quantity], health: list[dict]) -> list[dict]:
    """The rows of every claim whose quantities this specification produced, judged with them."""
    qs, where = dict(quantities), {}
    for g in res["groups"]:
        for k, (v, smp) in g.get("quantities", {}).items():
            qs[k] = Quantity(v, smp, g["kind"])
            where[k] = g
    hs = [h for h in health if h["fit"] != fit] + res["health"] if res["health"] else health
    rows = []
    for c in fit_claims:
        names = [paper.claim(x).quantity for x in c.components] if c.rule == "joint" else [c.quantity]
        if not all(n in where for n in names):
            continue
        g = where[names[0]]
        row = evaluate_claim(paper, c, qs, health=hs)
        rows.append({"paper": paper.key, "fit": fit, "spec": s.name, "changed": f"{s.changed}: {s.what}",
                     "quantity": row["quantity"], "value": row["replicated"], "ci_low": row["ci_low"],
                     "ci_high": row["ci_high"], "verdict": row["verdict"], "claim": c.id, "claimed": row["claimed"],
                     "reason": s.reason, "n_points": g["n_points"], "seed": seed, "selection": notes.get(g["group"], ""),
                     "origin": s.origin, "compared_with": REFERENCE_SPEC})
    return rows
