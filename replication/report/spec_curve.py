"""The specification-curve figure of a paper's headline quantities (after Simonsohn, Simmons and Nelson).

For each headline quantity: the estimates under the main protocol and every alternative, sorted, with their
intervals, coloured by the claim's verdict under that specification, the claimed value as a dashed line; below,
one row per choice with a mark under the specification that makes it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..robustness.main_rows import REFERENCE_SPEC
from .figures import VERDICT_COLOURS as _BASE, _save, _subplots, points

VERDICT_COLOURS = {**_BASE, "borderline": "tab:orange", "not identified": "tab:purple", "internally inconsistent": "tab:brown"}

__all__ = ["spec_curve_figure", "headline_rows", "MAX_PANELS"]

MAX_PANELS = 4  # headline quantities drawn per paper (the first claims on distinct quantities)


def headline_rows(rows: list[dict]) -> dict[str, list[dict]]:
    """Per headline quantity, the rows of its first claim (a scalar claim; joint claims have no single estimate)."""
    out: dict[str, list[dict]] = {}
    first: dict[str, str] = {}
    for r in rows:
        q = r.get("quantity", "")
        if not q or q.startswith("("):
            continue
        if q not in first and len(first) < MAX_PANELS:
            first[q] = r["claim"]
        if first.get(q) == r["claim"]:
            out.setdefault(q, []).append(r)
    return out


MARKERS = {"main": "s", REFERENCE_SPEC: "D"}  # the main protocol, and its reference at the alternatives' count


def spec_curve_figure(path: Path, rows: list[dict], title: str = "") -> str | None:
    """Draw the specification curve of each headline quantity; None (nothing written) when there is nothing to draw."""
    panels = {q: rs for q, rs in headline_rows(rows).items() if any(np.isfinite(float(r["value"])) for r in rs)}
    if not panels:
        return None
    specs = sorted({r["spec"] for rs in panels.values() for r in rs})
    fig, axes = _subplots(2, len(panels), (3.2 * len(panels) + 1.0, 2.6 + 0.16 * len(specs)))
    for j, (q, rs) in enumerate(panels.items()):
        rs = sorted(rs, key=lambda r: (not np.isfinite(float(r["value"])), float(r["value"])))
        top, bottom = axes[0][j], axes[1][j]
        x = np.arange(len(rs))
        colours = [VERDICT_COLOURS.get(r["verdict"], "0.5") for r in rs]
        lo, hi = (np.array([float(r[k]) for r in rs]) for k in ("ci_low", "ci_high"))
        has = np.isfinite(lo) & np.isfinite(hi)
        top.vlines(x[has], lo[has], hi[has], colors=[c for c, h in zip(colours, has) if h], lw=1.2)
        points(top, x, [float(r["value"]) for r in rs], colours, [MARKERS.get(r["spec"], "o") for r in rs], s=22)
        claimed = float(rs[0].get("claimed", np.nan))
        if np.isfinite(claimed):
            top.axhline(claimed, color="k", ls="--", lw=0.8)
        top.set_title(f"{q} (claim {rs[0]['claim']})", fontsize=8)
        top.set_xticks([])
        order = {s: i for i, s in enumerate(specs)}
        bottom.scatter(x, [order[r["spec"]] for r in rs], s=12, color="k")
        bottom.set_yticks(range(len(specs)), specs if j == 0 else [""] * len(specs), fontsize=6)
        bottom.set_ylim(-0.5, len(specs) - 0.5)
        bottom.invert_yaxis()
        bottom.set_xlim(top.get_xlim())
        bottom.set_xticks([])
        bottom.set_xlabel("specifications, sorted by estimate", fontsize=7)
    handles = [axes[0][0].scatter([], [], color=c, s=18, label=v) for v, c in VERDICT_COLOURS.items()]
    axes[0][0].legend(handles=handles, frameon=False, fontsize=6, loc="best")
    fig.suptitle(title or "Specification curve", fontsize=9)
    return _save(fig, Path(path))
