"""Approach 2 against Approach 3 (the consistency claims) under the IsoFLOP alternatives.

A consistency quantity (``consistency.<isoflop>_vs_<law>.a`` and ``.difference``, Audit.compare_approaches) is
Approach 2's exponent on the law fit's own runs, recomputed on each of the law fit's resamples so the difference of the
two exponents is paired. Its Approach-2 side rests on the IsoFLOP fit's choices (the rule locating each budget's
minimum, the weighting, the compute tolerance, the budgets kept), which neither the law multiverse nor the
paper-level rerun varies. So each of the IsoFLOP fit's declared alternatives is applied to that side here, on the same
runs and on the first B of the law fit's resamples (the resamples of a B-resample bootstrap with the same seed, so the
pairing holds), and every claim on these quantities is judged again. An alternative that would change which runs the
resamples draw from (exact budgets left out row by row, another fit's runs) cannot keep the pairing and is listed as
not run.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..checks.approaches import isoflop_exponent, resampled_exponents
from ..checks.claims import evaluate_claim
from ..checks.quantity import Quantity
from ..metadata.paper import Paper
from ..protocols.isoflop import IsoflopSpec, locate_minima
from ..timing import stage
from .isoflop_specs import BLOCK, default_isoflop_specs, paper_isoflop_specs, plan, read_isoflop_block
from .main_rows import REFERENCE_SPEC, at_count, main_rows
from .multiverse import claims_of, robustness_rows

__all__ = ["ConsistencyRun", "add_consistency_multiverse", "CONSISTENCY_RULE"]

CONSISTENCY_RULE = ("A claim comparing Approach 2 with Approach 3 on the law fit's resamples is also judged with "
                    "Approach 2's side redone under each of the IsoFLOP fit's alternatives, on the first B of the law "
                    "fit's resamples so the two stay paired (fit '<isoflop> (consistency)')")

KIND = "bootstrap percentile over the law fit's resamples (IsoFLOP minima recomputed on each)"


@dataclass
class ConsistencyRun:
    """One comparison as Audit.compare_approaches made it (an ungrouped law fit), for the multiverse to redo."""

    name: str  # the quantities' prefix, consistency.<isoflop>_vs_<law>
    isoflop: str  # the IsoFLOP fit whose choices are varied
    law: str
    frame: pd.DataFrame  # the law fit's runs
    spec: IsoflopSpec  # Approach 2's spec on them (its power law the line through the minima)
    seed: int  # the law fit's bootstrap seed
    groups: np.ndarray | None  # its resampling clusters
    law_value: float  # the law fit's allocation exponent (Approach 3)
    law_samples: np.ndarray  # ... per resample


def add_consistency_multiverse(record: dict, paper: Paper, runs: list[ConsistencyRun], quantities: dict[str, Quantity],
                               health: list[dict], claims: list[dict], path: Path, protocol_raw: dict | None) -> dict:
    """Add the rows of the consistency claims under each IsoFLOP alternative to the sensitivity ``record``."""
    b = int(record.get("b", 0))
    if b == 0 or not runs:
        return record
    judged = {r["claim"]: r for r in claims}
    block = read_isoflop_block(path, protocol_raw)
    have_main = {r["claim"] for r in record["rows"] if r["spec"] == "main"}
    added = []
    for run in runs:
        names = {f"{run.name}.a", f"{run.name}.difference"}
        run_claims = claims_of(paper, names, judged)
        if not run_claims:
            continue
        n_boot = min(b, len(run.law_samples))
        defaults, cannot = default_isoflop_specs(run.spec, False)
        # the paper's additions and exclusions as the IsoFLOP multiverse reads them (which validates the unscoped
        # exclusions against every IsoFLOP fit's defaults; here they apply where their name is one of these)
        iso_fits = [f.name for f in paper.fits if f.approach == "isoflop"]
        unscoped = {e["name"] for e in block.get("exclude", []) if "fit" not in e}
        specs, excluded = paper_isoflop_specs(path, block, run.isoflop, defaults, iso_fits,
                                              {s.name for s in defaults} | unscoped)
        fit = f"{run.isoflop} (consistency)"
        record["excluded"] += [dict(e, fit=fit) for e in excluded]
        record["skipped"] += [{"fit": fit, "spec": name, "reason": why} for name, why in cannot]
        minima = locate_minima(run.frame, run.spec)
        ran, rows = [], []
        base = at_count(quantities, n_boot)
        for s in specs:
            p = plan(s, run.frame, run.spec, minima, None, path, BLOCK)
            if isinstance(p, str) or len(p[0]) != len(run.frame):
                why = p if isinstance(p, str) else \
                    "it leaves out runs, so the law fit's resamples no longer pair with Approach 2's"
                record["skipped"].append({"fit": fit, "spec": s.name, "reason": why})
                continue
            _, spec, note = p
            with stage("multiverse"):
                a2 = isoflop_exponent(run.frame, spec)
                samples = resampled_exponents(run.frame, spec, n_boot, run.seed, run.groups)
            qs = dict(base)
            qs[f"{run.name}.a"] = Quantity(a2, samples, KIND)
            qs[f"{run.name}.difference"] = Quantity(a2 - run.law_value, samples - run.law_samples[:n_boot], KIND,
                                                    signed=True)
            ran.append(s.name)
            for c in run_claims:
                row = evaluate_claim(paper, c, qs, health=health)
                rows.append({"paper": paper.key, "fit": fit, "spec": s.name, "changed": f"{s.changed}: {s.what}",
                              "quantity": row["quantity"], "value": row["replicated"], "ci_low": row["ci_low"],
                              "ci_high": row["ci_high"], "verdict": row["verdict"], "claim": c.id,
                              "claimed": row["claimed"], "reason": s.reason, "n_points": int(len(run.frame)),
                              "seed": run.seed, "selection": note,
                              "origin": s.origin, "compared_with": REFERENCE_SPEC})
        if ran:
            record["fits"].append({"fit": fit, "approach": "isoflop", "n_boot": n_boot, "specs": ran,
                                   "claims": [c.id for c in run_claims],
                                   "what": f"Approach 2's side of the comparison with fit '{run.law}' redone under each "
                                           f"of {len(ran)} IsoFLOP alternatives, on the first {n_boot} of the law "
                                           "fit's resamples"})
            mains = [c.id for c in run_claims if c.id not in have_main]
            added += main_rows(paper, fit, mains, judged, quantities, health, n_boot) + rows
    if added:
        record["rows"] = record["rows"] + added
        record["robustness"] = robustness_rows(record["rows"])
    return record
