"""The multiverse in the report: its two tables' rows, each paper's robustness section and the overview's count."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..robustness.consistency_multiverse import CONSISTENCY_RULE
from ..robustness.isoflop_multiverse import ISOFLOP_RULE
from ..robustness.multiverse import ROBUSTNESS_COLUMNS, RULE, SENSITIVITY_COLUMNS
from .page_figures import CURVE, KEY as PAGE_FIGURES

__all__ = ["TABLES", "table_rows", "kept_everywhere", "paper_section", "RULE"]

TABLES = {
    "sensitivity": ("Each testable claim under each alternative fitting choice", SENSITIVITY_COLUMNS),
    "robustness": ("Whether each claim's verdict survives every alternative fitting choice", ROBUSTNESS_COLUMNS),
}
RULE = f"{RULE}. {ISOFLOP_RULE}. {CONSISTENCY_RULE}"  # law fits' choices, IsoFLOP fits', consistency claims'
CURVE_CAPTION = ("Specification curve: each headline estimate under the main protocol (square), the main protocol on "
                 "the first B of its replicates where that changes its interval (diamond, main_at_b: what each "
                 "alternative's verdict is compared with) and every alternative choice (dots), sorted, with its interval, coloured by the claim's verdict under that choice; the dashed "
                 "line is the claimed value. Below, the specification of each estimate.")


def _record(r: dict) -> dict:
    s = r.get("sensitivity")
    return s if isinstance(s, dict) else {}


def table_rows(r: dict, name: str) -> list[dict]:
    """A result's rows of the sensitivity or robustness table."""
    rows = _record(r).get("rows" if name == "sensitivity" else "robustness", [])
    return rows if isinstance(rows, list) else []


def kept_everywhere(r: dict) -> str:
    """'k of n' claims whose verdict is the same under every alternative, or '' when the multiverse did not run."""
    rows = table_rows(r, "robustness")
    if not rows:
        return ""
    kept = sum(1 for x in rows if x.get("share_same_verdict") == 1.0)
    return f"{kept} of {len(rows)}"


def paper_section(page, r: dict, fig_dir: Path | None) -> None:
    """The robustness section of a paper page: what ran, what was skipped, the curve and both tables."""
    rec = _record(r)
    if not rec.get("rows") and not rec.get("note"):
        return
    page.heading("Robustness: the multiverse of fitting choices")
    page.text("Rule: " + RULE + ".")
    if rec.get("note"):
        page.text(rec["note"])
        return
    for fit in rec.get("fits", []):
        if fit.get("what"):  # the paper-level multiverse (robustness/script_multiverse.py)
            page.text(f"Fit '{fit['fit']}': {fit['what']}.")
            continue
        page.text(f"Fit '{fit['fit']}': {len(fit['specs'])} specifications declared, {fit['n_boot']} bootstrap "
                  f"resamples each, {len(fit['claims'])} testable claims re-judged.")
    skipped = rec.get("skipped", []) + [dict(e, reason="excluded by the paper: " + e["reason"]) for e in rec.get("excluded", [])]
    if skipped:
        page.items([f"not run: {s['spec']} ({s['fit']}): {s['reason']}" for s in skipped])
    kept = kept_everywhere(r)
    if kept:
        page.text(f"{kept} testable claims keep their verdict under every specification (each compared with the main "
                  "protocol at the same bootstrap count).")
    # drawn by the paper's run or, for a result without that record, by the build (report/page_figures.py)
    name = None if fig_dir is None else (r.get(PAGE_FIGURES) or {}).get(CURVE)
    if name:
        page.figure(f"../figures/{r['paper']}/{name}", CURVE_CAPTION)
    for tname, (caption, cols) in TABLES.items():
        frame = pd.DataFrame(table_rows(r, tname))
        if len(frame):
            page.text(caption + ".")
            page.table(frame[[c for c in cols if c != "paper"]], sortable=True)
