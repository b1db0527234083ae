"""The section of a paper page on how digitisation error widens its intervals: for every fit whose points carry
digitisation errors, the 95% widths of its fitted and derived numbers over the fit's bootstrap resamples without and
with the points moved within their errors (the fit record's ``digitisation_error``, written by the audit)."""

from __future__ import annotations

import pandas as pd

TITLE = "Digitisation error in the intervals"
COLUMNS = ["fit", "quantity", "width_bootstrap", "width_both", "widening", "widening_mcse"]


def fit_rows(r: dict) -> pd.DataFrame:
    """One row per fit and quantity of the paper's fits that carry digitisation errors."""
    rows = []
    for name, fit in sorted(r.get("fits", {}).items()):
        rec = fit.get("digitisation_error") if isinstance(fit, dict) else None
        if rec:
            rows += [{"fit": name, **row} for row in rec["rows"]]
    return pd.DataFrame(rows, columns=COLUMNS) if rows else pd.DataFrame(columns=COLUMNS)


def _text(r: dict) -> str:
    """What was computed, with the counts and error columns of each fit."""
    parts = []
    for name, fit in sorted(r.get("fits", {}).items()):
        rec = fit.get("digitisation_error") if isinstance(fit, dict) else None
        if rec:
            parts.append(f"{name}: {rec['n']} replicates (seed {rec['seed']}), errors from {', '.join(rec['errors'])}, "
                         f"{rec['grid_refits']} refitted from the full grid by the basin safeguard")
    return ("Every fit whose points carry digitisation errors (a column <c>_err beside a fitted column c) is bootstrapped "
            "again on the same resamples, each resample's points moved uniformly within their errors and refitted "
            "exactly as the resamples of the main bootstrap (the same starts, candidates and safeguard). "
            "width_bootstrap is the main 95% interval's width, width_both the width with the errors, widening their "
            "relative change and widening_mcse its Monte Carlo standard error (the replicate pairs redrawn). "
            + "; ".join(parts) + ".")


def paper_section(page, r: dict) -> bool:
    """Add the section to a paper page if some fit carries digitisation errors; whether it did."""
    rows = fit_rows(r)
    if not len(rows):
        return False
    page.heading(TITLE)
    page.text(_text(r))
    page.table(rows, sortable=len(rows) > 1)
    return True
