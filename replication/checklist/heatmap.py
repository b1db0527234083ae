"""The checklist heat map: papers x items, one colour per answer, disagreements with the survey marked."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.patches import Patch

from ..report.figures import _save, _subplots
from .assess import DISAGREE, Assessment
from .items import ANSWERS, NO, NOT_APPLICABLE, NOT_ASSESSED, NOT_STATED, YES

COLOURS = {YES: "#1a9850", NO: "#d73027", NOT_STATED: "#fdae61", NOT_APPLICABLE: "#bdbdbd", NOT_ASSESSED: "#ffffff"}


def heatmap_figure(path: Path, assessment: Assessment) -> str:
    """Write the heat map PNG; suite papers first (bold), then the papers only the survey covers."""
    papers = assessment.papers
    items = assessment.definition.items
    index = {a: i for i, a in enumerate(ANSWERS)}
    grid = np.full((len(papers), len(items)), index[NOT_ASSESSED])
    marks = []
    cell = {(r.paper, r.item): r for r in assessment.rows}
    for i, key in enumerate(papers):
        for j, it in enumerate(items):
            r = cell[(key, it.id)]
            grid[i, j] = index[r.answer]
            if r.agreement == DISAGREE:
                marks.append((j, i))
    fig, axes = _subplots(1, 1, (2.5 + 0.28 * len(items), 2.2 + 0.2 * len(papers)))
    ax = axes[0][0]
    ax.imshow(grid, cmap=ListedColormap([COLOURS[a] for a in ANSWERS]), vmin=-0.5, vmax=len(ANSWERS) - 0.5,
              aspect="auto", interpolation="nearest")
    ax.set_xticks(np.arange(-0.5, len(items)), minor=True)
    ax.set_yticks(np.arange(-0.5, len(papers)), minor=True)
    ax.grid(which="minor", color="#e0e0e0", lw=0.5)
    ax.tick_params(which="minor", length=0)
    ax.set_xticks(range(len(items)), [it.id for it in items], rotation=90, fontsize=7)
    ax.set_yticks(range(len(papers)), papers, fontsize=7)
    for label, key in zip(ax.get_yticklabels(), papers):
        if key in assessment.suite:
            label.set_fontweight("bold")
    if marks:
        xs, ys = zip(*marks)
        ax.scatter(xs, ys, marker="x", color="k", s=18, lw=1, label="suite and survey disagree")
    bounds, start = [], 0
    for stage in assessment.definition.stages:
        n = len(assessment.definition.items_in(stage.id))
        if n:
            ax.text(start + n / 2 - 0.5, -1.0, stage.id.replace("_", " "), ha="center", va="bottom", fontsize=7)
            bounds.append(start + n - 0.5)
            start += n
    for b in bounds[:-1]:
        ax.axvline(b, color="k", lw=0.8)
    n_suite = len([p for p in papers if p in assessment.suite])
    if 0 < n_suite < len(papers):
        ax.axhline(n_suite - 0.5, color="k", lw=0.8)
    handles = [Patch(facecolor=COLOURS[a], edgecolor="0.5", label=a) for a in ANSWERS]
    if marks:
        handles.append(ax.collections[-1])
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=7)
    ax.set_title("Reporting checklist: suite papers (bold) above, papers only the (Mis)Fitting survey covers below",
                 fontsize=8, pad=18)
    return _save(fig, path)
