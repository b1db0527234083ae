"""The main protocol's rows of the sensitivity table: as judged on all its replicates, and at the alternatives' count.

Every alternative specification is bootstrapped with a small count (the multiverse's B), while the main verdict uses
the paper's full count. A verdict that is decided at the full count can be borderline at B by Monte Carlo error alone,
whatever the choice. So beside the main row, each claim gets a reference row (spec ``main_at_b``): the main protocol
judged by the same rules on the first B of its own replicates (an honest B-resample bootstrap, since the resamples
are independent draws). An alternative run at B is compared with that reference, so only a change the choice makes is
charged to it; an alternative that keeps every replicate (digitisation_error) is compared with the main row.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..checks.claims import evaluate_claim
from ..checks.quantity import Quantity
from ..metadata.paper import Paper

__all__ = ["REFERENCE_SPEC", "COMPARED_WITH_MAIN", "main_rows", "at_count"]

REFERENCE_SPEC = "main_at_b"  # the main protocol on the first B of its replicates
COMPARED_WITH_MAIN = "main"  # an alternative row's ``compared_with`` when it keeps every replicate of the main fit


def at_count(quantities: dict[str, Quantity], b: int, names: set[str] | None = None) -> dict[str, Quantity]:
    """The quantities (those in ``names``, or all) on their first ``b`` replicates; a value computed from the
    replicates keeps its value, its Monte Carlo error scaled to the smaller count."""
    out = dict(quantities)
    for k, q in quantities.items():
        if (names is not None and k not in names) or q.samples is None or len(q.samples) <= b:
            continue
        n = len(q.samples)
        out[k] = replace(q, samples=np.asarray(q.samples)[:b],
                         mcse=None if q.mcse is None else float(q.mcse) * float(np.sqrt(n / b)))
    return out


def _row(paper: Paper, fit: str, cid: str, r: dict, spec: str, changed: str) -> dict:
    return {"paper": paper.key, "fit": fit, "spec": spec, "changed": changed, "quantity": r["quantity"],
            "value": r["replicated"], "ci_low": r["ci_low"], "ci_high": r["ci_high"], "verdict": r["verdict"],
            "claim": cid, "claimed": r["claimed"], "reason": "", "n_points": None, "seed": None, "selection": "",
            "origin": "main"}


def main_rows(paper: Paper, fit: str, claim_ids: list[str], judged: dict[str, dict], quantities: dict[str, Quantity],
              health: list[dict], b: int, names: set[str] | None = None) -> list[dict]:
    """Per claim the main row (``judged``: the claims table's rows by id) and, where judging it on the first ``b``
    replicates of ``names`` (or every quantity) gives another interval or verdict, the reference row at that count."""
    out = []
    short = at_count(quantities, b, names)
    for cid in claim_ids:
        main = judged[cid]
        out.append(_row(paper, fit, cid, main, "main", "none (the main protocol)"))
        if all(short[k] is quantities[k] for k in quantities):
            continue
        ref = evaluate_claim(paper, paper.claim(cid), short, health=health)
        same = (ref["verdict"] == main["verdict"] and _same(ref["ci_low"], main["ci_low"])
                and _same(ref["ci_high"], main["ci_high"]))
        if not same:
            out.append(_row(paper, fit, cid, ref, REFERENCE_SPEC,
                            f"none: the main protocol judged on the first {b} of its replicates (the alternatives' "
                            "bootstrap count), the reference their verdicts are compared with"))
    return out


def _same(x, y) -> bool:
    x, y = float(x), float(y)
    return x == y or (np.isnan(x) and np.isnan(y))
