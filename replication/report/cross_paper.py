"""The cross-paper view of compute-optimal allocation: published exponents and tokens per parameter beside the
replicated ones with their intervals.

Rows come from every paper's quantities named ``a_alloc`` (N_opt proportional to C^a) or
``tokens_per_param@<C>`` (any fit prefix or configuration suffix), joined to the claims about them: one row per
claim, so a quantity with two claims has two rows, and one row for a quantity no claim is about.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from .figures import _save, _subplots

ALLOCATION = re.compile(r"^(?:(?P<fit>[^.@]+)\.)?(?P<what>a_alloc|tokens_per_param@(?P<budget>[0-9.e+]+))(?:\.(?P<config>.+))?$")
COLUMNS = ["paper", "quantity", "what", "budget", "replicated", "ci_low", "ci_high", "interval", "claim", "claimed",
           "claimed_low", "claimed_high", "claim_provenance", "unverified", "verdict", "rule"]


def cross_paper_rows(results: list[dict]) -> pd.DataFrame:
    """One row per claim about an allocation quantity of a successful audit (every claim kept), and one row for a
    quantity no claim is about; unverified claims are marked."""
    rows = []
    for r in results:
        if r.get("status") != "ok":
            continue
        by_quantity: dict[str, list[dict]] = {}
        for c in r.get("claims", []):
            if c.get("quantity"):
                by_quantity.setdefault(c["quantity"], []).append(c)
        intervals = {c["claim"]: c for c in r.get("ci_width", [])}
        for name, q in sorted(r.get("quantities", {}).items()):
            m = ALLOCATION.match(name)
            if not m:
                continue
            low, high = q.get("intervals", {}).get("0.95", [float("nan"), float("nan")])
            base = {"paper": r["paper"], "quantity": name,
                    "what": "a_alloc" if m["what"] == "a_alloc" else "tokens_per_param",
                    "budget": float(m["budget"]) if m["budget"] else float("nan"),
                    "replicated": q["value"], "ci_low": low, "ci_high": high, "interval": q.get("interval_kind", "")}
            for c in by_quantity.get(name, [{}]):
                iv = intervals.get(c.get("claim"), {})
                rows.append({**base, "claim": c.get("claim", ""), "claimed": c.get("claimed", float("nan")),
                             "claimed_low": iv.get("claimed_low", float("nan")),
                             "claimed_high": iv.get("claimed_high", float("nan")),
                             "claim_provenance": c.get("provenance", ""),
                             "unverified": "unverified" if c.get("provenance") == "unverified" else "",
                             "verdict": c.get("verdict", ""), "rule": c.get("rule", "")})
    return pd.DataFrame(rows, columns=COLUMNS)


def allocation_figure(path: Path, rows: pd.DataFrame) -> str:
    """Two panels, exponent a and tokens per parameter: replicated values with 95% intervals, claims as crosses."""
    panels = [("a_alloc", "allocation exponent a (N_opt ~ C^a)", False),
              ("tokens_per_param", "tokens per parameter at the stated budget", True)]
    n = max(len(rows[rows["what"] == w]) for w, _, _ in panels)
    fig, axes = _subplots(1, 2, (12, 0.9 + 0.28 * max(n, 3)))
    for ax, (what, label, log) in zip(axes[0], panels):
        sub = rows[rows["what"] == what].reset_index(drop=True)
        ypos = np.arange(len(sub))[::-1]
        v = sub["replicated"].to_numpy(float)
        lo, hi = sub["ci_low"].to_numpy(float), sub["ci_high"].to_numpy(float)
        err = np.vstack([np.where(np.isfinite(lo), v - lo, 0), np.where(np.isfinite(hi), hi - v, 0)])
        ax.errorbar(v, ypos, xerr=err, fmt="o", ms=4, color="tab:blue", lw=1, label="replicated (95% interval)")
        claimed = sub["claimed"].to_numpy(float)
        has = np.isfinite(claimed)
        ax.scatter(claimed[has], ypos[has], marker="x", s=40, color="tab:red", zorder=3, label="published")
        labels = [f"{p}: {q}" + (f" [{c}{', unverified' if u else ''}]" if c else "")
                  for p, q, c, u in zip(sub["paper"], sub["quantity"], sub["claim"], sub["unverified"])]
        ax.set_yticks(ypos, labels, fontsize=7)
        ax.set_xlabel(label)
        if log:
            ax.set_xscale("log")
        ax.legend(frameon=False, fontsize=7, loc="best")
    return _save(fig, path)
