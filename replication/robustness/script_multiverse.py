"""The paper-level multiverse: the whole replication script rerun under one changed choice, for the claims the
fit-level multiverses (multiverse.py, isoflop_multiverse.py) do not reach.

A claim on a quantity the script computes from several fits (a share of wins, a ratio of extrapolation errors, a
prediction through a chain of fits, a standard error, a consistency difference) is re-judged by rerunning the
script once per specification of script_specs.py, every declared fit changed at once, as independent tasks with the
paper's own seeds (so the result is the same for any worker count or backend). The rerun is light: no figures, no
certified optimum, profile, coverage or digitisation-error study, every bootstrap capped at the multiverse's count,
each fit started from its main optimum; a per_group fit the specification leaves unchanged is the main run's, reused.
A specification that changes none of the main run's fits or scores is recorded as not run without a rerun. Its rows
join the fit-level rows under fit "script". A specification that refits per_group fits (hundreds of small fits per
rerun), or every specification of a paper whose ``protocol.multiverse`` says ``script: {when: robustness, reason:
...}`` (a rerun too long for a plain make), is rerun only in the full study (``make robustness``, which sets
$SCALING_AUDIT_SCRIPT_MULTIVERSE=all); a plain ``make`` records it as not run, with the reason. So a plain make
rescores a learning-curve comparison under each other error (family_specs.py) without refitting a curve.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np

from ..checks.quantity import Quantity
from ..checks.verdicts import NOT_TESTABLE
from ..laws import get_law
from ..metadata.paper import Paper
from ..parallel import run_tasks
from ..settings import SCRIPT_MULTIVERSE_ENV as SCRIPT_ENV, script_multiverse_setting as script_setting
from ..timing import stage
from .main_rows import REFERENCE_SPEC, main_rows
from .multiverse import multiverse_b_setting, robustness_rows
from .family_specs import fitted_runs_note
from .script_specs import HELD_OUT, Variant, script_specs

__all__ = ["add_script_multiverse", "SCRIPT_FIT", "SHOWN_FITS"]

SCRIPT_FIT = "script"  # the fit column of the paper-level rows
SHOWN_FITS = 6  # the changed fits a row names before "and k more"


def _group_optima(per_group: dict) -> dict:
    """Per per_group fit, each group's main optimum (group key tuple -> parameter vector) from its result table."""
    out = {}
    for name, (res, keys, _law) in per_group.items():
        params = [c for c in res.columns if c.startswith("param_")]
        ok = res[(res["error"] == "") & res[params].notna().all(axis=1)] if params else res.iloc[:0]
        out[name] = {tuple(row[k] for k in keys): row[params].to_numpy(dtype=float) for _, row in ok.iterrows()}
    return out


def _named(fits: list[str], of: int) -> str:
    shown = ", ".join(fits[:SHOWN_FITS]) + (f" and {len(fits) - SHOWN_FITS} more" if len(fits) > SHOWN_FITS else "")
    return f"in {len(fits)} of {of} fits ({shown}); the whole script rerun"


def _changed_fits(variant: Variant, recipes: dict) -> list[str]:
    """The fits of the main run (their recipes) that take another criterion, start grid or law under ``variant``."""
    return [name for name, r in recipes.items()
            if any(c is not None for c in variant.choice(tuple(get_law(r.law).params), r.objective, r.starts))
            or variant.nesting(r.law) is not None]


def _changed_groups(variant: Variant, paper: Paper, per_group: dict) -> list[str]:
    """The per_group fits ``variant`` changes (another criterion or start grid, or changed settings): refitted group
    by group in a rerun; the others are reused from the main run."""
    proto = paper.protocol
    decl = {f.name: f for f in paper.fits}
    return [name for name, (_, _, law) in per_group.items()
            if not variant.reuses_groups(name, tuple(get_law(law).params), dict(decl[name].objective or proto.objective),
                                         dict(decl[name].starts or proto.starts))]


def _runs(variant: Variant, recipes: dict, groups: list[str], scored: list[tuple]) -> bool:
    """Whether a rerun under ``variant`` can change anything (known before any rerun; ``scored``: the error and
    decimals of each comparison by wins the main run made)."""
    rescored = variant.spec.score is not None and any(variant.score(e, d)[2] for e, d in scored)
    return bool(variant.settings) or rescored or bool(_changed_fits(variant, recipes)) or bool(groups)


def add_script_multiverse(out: dict, paper: Paper, claims: list[dict], quantities: dict[str, Quantity],
                          health: list[dict], recipes: dict, per_group: dict, rerun: Callable, n_jobs: int, path: Path,
                          block: dict, override: int | None, scored: list[tuple] = ()) -> None:
    """Rerun the script under every paper-level specification and add the rows of the claims no fit-level row
    covers (``rerun(key, variant, override)`` returns the rerun's claim rows and the fits it changed); the main
    run's ``quantities`` and ``health`` give the reference row at the rerun's bootstrap count (main_rows.py)."""
    b = multiverse_b_setting()
    if b == 0:
        return
    covered = {r["claim"] for r in out["rows"]}
    judged = {r["claim"]: r for r in claims}
    todo = [c for c in paper.claims if judged.get(c.id, {}).get("verdict", NOT_TESTABLE) != NOT_TESTABLE
            and c.id not in covered]
    if not todo:
        return
    laws = {r.law for r in recipes.values()} | {law for _, _, law in per_group.values()}
    specs, excluded = script_specs(path, block, laws, bool(scored), paper.protocol.settings)
    setting = script_setting()
    deferred = (block.get("script") or {}).get("reason")
    note = fitted_runs_note(laws, specs)
    if note:
        out["skipped"].append({"fit": SCRIPT_FIT, "spec": "fitted_runs", "reason": note})
    if setting == "none" or (setting == "default" and deferred):
        why = (f"{SCRIPT_ENV}=0" if setting == "none" else
               f"the paper defers it to the full study (make robustness): {deferred}")
        out["skipped"] += [{"fit": SCRIPT_FIT, "spec": s.name, "reason": why} for s in specs]
        return
    out["excluded"] += [dict(e, fit=SCRIPT_FIT) for e in excluded]
    warm = {n: np.asarray(r.theta, dtype=float) for n, r in recipes.items()}
    warm.update({n + HELD_OUT: r.held_theta for n, r in recipes.items() if r.held_theta is not None})
    screened = {n: r.screened for n, r in recipes.items() if r.screened is not None}
    tables = {n: res for n, (res, _, _) in per_group.items()}
    variants = [Variant(s, b, warm, screened, _group_optima(per_group), tables) for s in specs]
    n_fits = len(recipes) + len(per_group)
    ids = [c.id for c in todo]
    # whether a variant changes anything is known before any rerun; one that refits per_group fits (hundreds of
    # small fits) runs only in the full study
    groups = [_changed_groups(v, paper, per_group) for v in variants]
    changes = [_runs(v, recipes, g, scored) for v, g in zip(variants, groups)]
    later = [c and bool(g) and setting == "default" for c, g in zip(changes, groups)]
    todo_v = [(paper.key, v, override) for v, c, l in zip(variants, changes, later) if c and not l]
    with stage("script multiverse"):
        computed = iter(run_tasks(rerun, todo_v, n_jobs, label="script multiverse") if todo_v else [])
    results = [next(computed) if c and not l else {"varied": [], "later": g if l else []}
               for c, l, g in zip(changes, later, groups)]
    ran = []
    for spec, res in zip(specs, results):
        if res.get("error") or not res["varied"]:
            reason = res.get("error") or (
                f"refits the per_group fits {', '.join(res['later'])} group by group; run in the full study "
                "(make robustness)" if res.get("later") else
                "the choice changes none of the paper's fits (criterion, start grid, law, settings) or scores")
            out["skipped"].append({"fit": SCRIPT_FIT, "spec": spec.name, "reason": reason})
            continue
        ran.append(spec.name)
        rows = {r["claim"]: r for r in res["claims"]}
        for cid in ids:
            row = rows[cid]
            out["rows"].append({"paper": paper.key, "fit": SCRIPT_FIT, "spec": spec.name,
                                "changed": f"{spec.changed}: {spec.what} ({_named(res['varied'], n_fits)})",
                                "quantity": row["quantity"], "value": row["replicated"], "ci_low": row["ci_low"],
                                "ci_high": row["ci_high"], "verdict": row["verdict"], "claim": cid,
                                "claimed": row["claimed"], "reason": spec.reason, "n_points": None, "seed": None,
                                "selection": "", "origin": spec.origin, "fits_changed": list(res["varied"]),
                                "compared_with": REFERENCE_SPEC})
    if not ran:
        return
    out["fits"].append({"fit": SCRIPT_FIT, "n_boot": b, "specs": ran, "claims": ids,
                        "what": f"the whole replication script rerun under each of {len(ran)} paper-level choices "
                                f"(each declared fit it applies to changed at once; every bootstrap at most {b} "
                                f"resamples, started from the main optima), for the {len(ids)} testable claims no "
                                "fit-level specification reaches"})
    out["rows"] = main_rows(paper, SCRIPT_FIT, ids, judged, quantities, health, b) + out["rows"]
    out["robustness"] = robustness_rows(out["rows"])
