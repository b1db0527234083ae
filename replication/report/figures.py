"""Figures for a paper page: data against the fitted law, bootstrap distributions, extrapolation.

PNG files are written without timestamps or software tags so that reruns give identical bytes.
"""

from __future__ import annotations

from pathlib import Path

import io

import numpy as np
from matplotlib import rc_context
from matplotlib.figure import Figure

from ..results import write_text_atomic

STYLE = {"figure.dpi": 100, "savefig.dpi": 100, "font.size": 9}


def _subplots(nrows: int, ncols: int, figsize) -> tuple[Figure, np.ndarray]:
    """A figure drawn with the Agg canvas directly, leaving pyplot's backend (e.g. in notebooks) alone; laid out
    once as it is drawn (constrained layout), not drawn twice to crop it."""
    fig = Figure(figsize=figsize, layout="constrained")
    return fig, np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False))


def _save(fig: Figure, path: Path) -> str:
    buf = io.BytesIO()
    with rc_context(STYLE):
        fig.savefig(buf, format="png", metadata={"Software": None})
    write_text_atomic(path, buf.getvalue())
    return path.name


def points(ax, x, y, colours: list, markers: list[str], s: float) -> None:
    """Scatter points with a colour and a marker each: one collection per marker (drawn above lines), not one per
    point, which is what makes a figure of many points slow to lay out and draw."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    for marker in sorted(set(markers)):
        sel = [i for i, m in enumerate(markers) if m == marker]
        ax.scatter(x[sel], y[sel], s=s, color=[colours[i] for i in sel], marker=marker, zorder=3)


def fit_figure(path: Path, observed, predicted, x, xlabel: str, held_out=None, title: str = "") -> str:
    """Observed and fitted values against one input (log x axis), and observed against predicted."""
    observed, predicted, x = (np.asarray(v, dtype=float) for v in (observed, predicted, x))
    held = np.zeros(observed.shape, bool) if held_out is None else np.asarray(held_out, bool)
    fig, axes = _subplots(1, 2, (9, 3.6))
    ax1, ax2 = axes[0]
    ax1.scatter(x[~held], observed[~held], s=10, label="data (fit)", color="tab:blue")
    if held.any():
        ax1.scatter(x[held], observed[held], s=14, marker="s", label="data (held out)", color="tab:red")
    order = np.argsort(x)
    ax1.scatter(x[order], predicted[order], s=6, marker="x", color="k", label="fitted law")
    ax1.set_xscale("log"), ax1.set_xlabel(xlabel), ax1.set_ylabel("observed / fitted")
    ax1.legend(frameon=False)
    lim = [min(observed.min(), predicted.min()), max(observed.max(), predicted.max())]
    ax2.plot(lim, lim, color="0.6", lw=1)
    ax2.scatter(predicted[~held], observed[~held], s=10, color="tab:blue")
    if held.any():
        ax2.scatter(predicted[held], observed[held], s=14, marker="s", color="tab:red")
    ax2.set_xlabel("fitted"), ax2.set_ylabel("observed")
    fig.suptitle(title)
    return _save(fig, path)


def bootstrap_figure(path: Path, samples: dict[str, np.ndarray], points: dict[str, float], level: float = 0.95, title: str = "") -> str:
    """Histogram of each quantity's bootstrap replicates with its point value and percentile interval."""
    names = list(samples)
    cols = min(3, len(names))
    rows = int(np.ceil(len(names) / cols))
    fig, axes = _subplots(rows, cols, (3.2 * cols, 2.4 * rows))
    for ax, name in zip(axes.flat, names):
        s = np.asarray(samples[name], dtype=float)
        s = s[np.isfinite(s)]
        ax.hist(s, bins=50, color="tab:blue", alpha=0.7)
        lo, hi = np.quantile(s, [(1 - level) / 2, (1 + level) / 2])
        ax.axvline(points[name], color="k", lw=1)
        ax.axvspan(lo, hi, color="tab:orange", alpha=0.15)
        ax.set_title(name)
    for ax in list(axes.flat)[len(names):]:
        ax.axis("off")
    fig.suptitle(title + f" (bootstrap replicates; shaded: {level:.0%} percentile interval)")
    return _save(fig, path)


def extrapolation_figure(path: Path, x, observed, predicted, held_out, xlabel: str, threshold: float, title: str = "") -> str:
    """The law fitted below the threshold, against every run: relative error of each prediction."""
    x, observed, predicted = (np.asarray(v, dtype=float) for v in (x, observed, predicted))
    held = np.asarray(held_out, bool)
    rel = (predicted - observed) / observed
    fig, axes = _subplots(1, 1, (6, 3.4))
    ax = axes[0][0]
    ax.axhline(0, color="0.6", lw=1)
    if np.isfinite(threshold):
        ax.axvline(threshold, color="k", ls="--", lw=1)
    ax.scatter(x[~held], rel[~held], s=10, color="tab:blue", label="fit runs (in sample)")
    ax.scatter(x[held], rel[held], s=14, marker="s", color="tab:red", label="held-out runs (extrapolated)")
    ax.set_xscale("log"), ax.set_xlabel(xlabel), ax.set_ylabel("(predicted - observed) / observed")
    ax.legend(frameon=False)
    ax.set_title(title)
    return _save(fig, path)


VERDICT_COLOURS = {"reproduced": "tab:green", "not reproduced": "tab:red"}
CLIP = 10.0  # the forest plot's axis ends at 10 times the claim's size; farther points sit at the edge as triangles


def forest_rows(claims: list[dict]) -> list[dict]:
    """The claims a forest plot can show: a numeric claim and a numeric replicated value, as relative differences."""
    rows = []
    for c in claims:
        claimed, value = c.get("claimed"), c.get("replicated")
        if not all(isinstance(v, (int, float)) and np.isfinite(v) for v in (claimed, value)) or claimed == 0:
            continue
        lo, hi = c.get("ci_low"), c.get("ci_high")
        has_iv = all(isinstance(v, (int, float)) and np.isfinite(v) for v in (lo, hi))
        scale = abs(claimed)
        rows.append({"label": f"{c.get('paper', '')}: {c.get('claim', '')}", "paper": c.get("paper", ""),
                     "rel": (value - claimed) / scale,
                     "low": (lo - claimed) / scale if has_iv else np.nan,
                     "high": (hi - claimed) / scale if has_iv else np.nan,
                     "verdict": c.get("verdict", ""), "unverified": c.get("provenance") == "unverified"})
    return rows


def claims_forest_figure(path: Path, claims: list[dict], title: str = "") -> str | None:
    """Each testable claim as (replicated - claimed) / |claimed| with the replication's interval, coloured by verdict.

    The axis is linear within +-10% and logarithmic beyond, so small and large departures both stay readable; it
    ends at +-CLIP, where farther values and interval ends are drawn at the edge (a triangle for a clipped value);
    returns None (and writes nothing) when no claim has both numbers."""
    rows = forest_rows(claims)
    if not rows:
        return None
    fig, axes = _subplots(1, 1, (8, 0.8 + 0.22 * len(rows)))
    ax = axes[0][0]
    y = np.arange(len(rows))[::-1]
    spread = [abs(v) for r in rows for v in (r["rel"], r["low"], r["high"]) if np.isfinite(v)]
    limit = float(min(max(max(spread) * 1.3, 0.2), CLIP))
    colours = [VERDICT_COLOURS.get(r["verdict"], "0.5") for r in rows]
    low, high = (np.clip([r[k] for r in rows], -limit, limit) for k in ("low", "high"))
    has = np.isfinite(low)
    ax.hlines(y[has], low[has], high[has], colors=[c for c, h in zip(colours, has) if h], lw=1.2)
    markers = [("D" if r["unverified"] else "o") if abs(r["rel"]) <= limit else (">" if r["rel"] > 0 else "<")
               for r in rows]
    points(ax, np.clip([r["rel"] for r in rows], -limit, limit), y, colours, markers, s=18)
    ax.set_xlim(-limit * 1.05, limit * 1.05)
    ax.axvline(0, color="k", lw=0.8)
    ax.set_xscale("symlog", linthresh=0.1)
    ax.set_yticks(y, [r["label"] for r in rows], fontsize=6)
    ax.set_ylim(-1, len(rows))
    ax.set_xlabel("(replicated - claimed) / |claimed|  (linear within ±0.1, logarithmic beyond; triangles: off the axis)")
    handles = [ax.scatter([], [], color=c, s=18, label=v) for v, c in VERDICT_COLOURS.items()]
    handles.append(ax.scatter([], [], color="0.5", marker="D", s=18, label="claim marked unverified"))
    ax.legend(handles=handles, frameon=False, fontsize=7, loc="lower right")
    ax.set_title(title or "Claimed against replicated (lines: the replication's interval around the claim)", fontsize=8)
    return _save(fig, path)
