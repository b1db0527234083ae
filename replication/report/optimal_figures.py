"""Figures of compute-optimal analyses: IsoFLOP curves with their optima, optimum-versus-compute power laws with
bootstrap bands, and an exponent tracked across a sequence of configurations (same style as report.figures)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .figures import _save, _subplots


@dataclass
class Curve:
    """One IsoFLOP curve: its points, an optional fitted curve, and its optimum."""

    label: str
    x: np.ndarray
    loss: np.ndarray
    fit_x: np.ndarray | None = None
    fit_loss: np.ndarray | None = None
    x_opt: float = float("nan")
    loss_opt: float = float("nan")


@dataclass
class Series:
    """Per-budget optima and a fitted power law (with an optional bootstrap band) to draw against compute."""

    label: str
    budgets: np.ndarray
    optima: np.ndarray
    log_err: np.ndarray | None = None  # standard deviation of ln optimum, drawn as +-2 sd bars
    line_c: np.ndarray | None = None
    line: np.ndarray | None = None
    band: tuple[np.ndarray, np.ndarray] | None = None
    held_out: np.ndarray | None = None  # boolean per budget
    marks: list[tuple[float, float, str]] = field(default_factory=list)  # (C, value, label) e.g. a claimed point


def isoflop_figure(path: Path, curves: list[Curve], xlabel: str, ylabel: str, title: str = "") -> str:
    """Loss against x (log axis) per budget, with the fitted curve and its minimum."""
    fig, axes = _subplots(1, 1, (7, 4.2))
    ax = axes[0][0]
    colours = [(0.15 + 0.7 * (1 - i / max(len(curves) - 1, 1)),) * 2 + (0.9,) for i in range(len(curves))]
    for c, col in zip(curves, colours):
        ax.scatter(c.x, c.loss, s=10, color=col, label=c.label)
        if c.fit_x is not None:
            ax.plot(c.fit_x, c.fit_loss, color=col, lw=1)
        if np.isfinite(c.x_opt):
            ax.scatter([c.x_opt], [c.loss_opt], s=30, marker="D", color="k", zorder=3)
    ax.set_xscale("log"), ax.set_xlabel(xlabel), ax.set_ylabel(ylabel)
    ax.legend(frameon=False, fontsize=7, title="budget (FLOP)", title_fontsize=7, ncol=2)
    ax.set_title(title + " (black diamonds: fitted minima)")
    return _save(fig, path)


def optimum_law_figure(path: Path, series: list[Series], xlabel: str, ylabel: str, title: str = "") -> str:
    """Per-budget optima against compute (log-log) with each fitted power law and its bootstrap band."""
    fig, axes = _subplots(1, 1, (7, 4.2))
    ax = axes[0][0]
    for i, s in enumerate(series):
        col = f"C{i % 10}"
        held = np.zeros(len(s.budgets), bool) if s.held_out is None else np.asarray(s.held_out, bool)
        yerr = None
        if s.log_err is not None:
            e = np.asarray(s.log_err, dtype=float)
            yerr = np.vstack([s.optima * (1 - np.exp(-2 * e)), s.optima * (np.exp(2 * e) - 1)])
        ax.errorbar(s.budgets[~held], s.optima[~held], yerr=None if yerr is None else yerr[:, ~held], fmt="o", ms=4,
                    color=col, label=s.label, capsize=2)
        if held.any():
            ax.scatter(s.budgets[held], s.optima[held], s=30, marker="s", color="tab:red", zorder=3,
                       label="held out (extrapolation check)")
        if s.line is not None:
            ax.plot(s.line_c, s.line, color=col, lw=1)
        if s.band is not None:
            ax.fill_between(s.line_c, s.band[0], s.band[1], color=col, alpha=0.15, lw=0)
        for c, v, lab in s.marks:
            ax.scatter([c], [v], s=60, marker="*", color="k", zorder=4)
            ax.annotate(lab, (c, v), textcoords="offset points", xytext=(-6, 8), ha="right", fontsize=7)
    ax.set_xscale("log"), ax.set_yscale("log"), ax.set_xlabel(xlabel), ax.set_ylabel(ylabel)
    ax.legend(frameon=False, fontsize=7)
    ax.set_title(title)
    return _save(fig, path)


def exponent_steps_figure(path: Path, steps: list[str], series: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]],
                          references: dict[str, float], stored: dict[str, np.ndarray] | None = None,
                          ylabel: str = "a", title: str = "") -> str:
    """An exponent with its interval along a sequence of configurations, one line per series.

    series maps a label to (value, low, high) arrays aligned with ``steps`` (NaN where a step is absent);
    references are horizontal lines; stored are values from another source drawn as open markers.
    """
    fig, axes = _subplots(1, 1, (8, 4.2))
    ax = axes[0][0]
    pos = np.arange(len(steps), dtype=float)
    k = len(series)
    for i, (label, (v, lo, hi)) in enumerate(series.items()):
        v, lo, hi = (np.asarray(a, dtype=float) for a in (v, lo, hi))
        xs = pos + (i - (k - 1) / 2) * 0.12
        ok = np.isfinite(v)
        ax.errorbar(xs[ok], v[ok], yerr=np.vstack([v[ok] - lo[ok], hi[ok] - v[ok]]), fmt="o-", ms=4, capsize=2,
                    color=f"C{i}", label=label)
        if stored is not None and label in stored:
            sv = np.asarray(stored[label], dtype=float)
            ax.scatter(xs[np.isfinite(sv)], sv[np.isfinite(sv)], s=40, facecolors="none", edgecolors="k", zorder=3,
                       label="authors' stored fit" if i == 0 else None)
    for j, (label, value) in enumerate(references.items()):
        ax.axhline(value, color="0.4", ls=["--", ":", "-."][j % 3], lw=1)
        ax.annotate(label, (pos.mean(), value), va="bottom", ha="center", fontsize=7, color="0.3")
    ax.set_xticks(pos)
    ax.set_xticklabels(steps, rotation=20, ha="right")
    ax.set_ylabel(ylabel)
    ax.legend(frameon=False, fontsize=7)
    ax.set_title(title)
    return _save(fig, path)
