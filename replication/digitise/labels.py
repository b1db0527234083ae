"""Tick-label text: assemble runs into labels (a base with its superscript) and read their numbers."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from .primitives import TextRun

# Vertical anchor of a tick label relative to its baseline, in em: matplotlib centres y tick labels on the
# ascent of "lp" (1556/2048 em for DejaVu Sans), i.e. about 0.38 em above the baseline.
TICK_ANCHOR_EM = 0.38

_SUFFIX = {"k": 1e3, "K": 1e3, "M": 1e6, "B": 1e9, "G": 1e9, "T": 1e12, "P": 1e15}
_SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")
_NUMBER = r"[+-]?(?:\d+\.?\d*|\.\d+)"


@dataclass(frozen=True)
class Label:
    """A tick label: its text as read (exponent after '^'), its value, and where it sits."""

    text: str
    value: float
    x0: float
    x1: float
    baseline: float
    size: float
    power: bool  # written as a power (10^k, 1e5) or with an SI suffix, which suggests a log axis

    @property
    def x_anchor(self) -> float:
        """Horizontal centre (x tick labels are centred on their tick)."""
        return (self.x0 + self.x1) / 2

    @property
    def y_anchor(self) -> float:
        """Vertical anchor (y tick labels are centred on their tick)."""
        return self.baseline - TICK_ANCHOR_EM * self.size


def assemble(runs: list[TextRun]) -> list[tuple[str, list[TextRun]]]:
    """Join horizontal runs that touch into labels; a smaller raised run after a base is its exponent."""
    runs = sorted((r for r in runs if not r.vertical), key=lambda r: (round(r.baseline, 1), r.x0))
    used = [False] * len(runs)
    out: list[tuple[str, list[TextRun]]] = []
    order = sorted(range(len(runs)), key=lambda i: (runs[i].x0, runs[i].baseline))
    for i in order:
        if used[i]:
            continue
        base = runs[i]
        parts, text, end, in_sup = [base], base.text, base.x1, False
        used[i] = True
        for j in order:
            r = runs[j]
            if used[j] or r.x0 < base.x0:
                continue
            near = -0.1 * base.size <= r.x0 - end <= 0.35 * base.size
            raised = r.size < 0.9 * base.size and base.top - 0.2 * base.size <= r.baseline < base.baseline - 0.15 * base.size
            same_line = abs(r.baseline - base.baseline) < 0.1 * base.size and abs(r.size - base.size) < 0.1 * base.size
            if near and (raised or same_line):
                text += ("^" + r.text) if raised and not in_sup else r.text
                in_sup = raised
                parts.append(r)
                end = r.x1
                used[j] = True
        out.append((text, parts))
    return out


def parse_number(text: str) -> tuple[float, bool] | None:
    """The value of a tick label and whether it is written as a power or with a suffix; None if not a number."""
    t = text.strip().replace("−", "-").replace("–", "-").replace("×", "x").replace("$", "").replace(" ", "")
    t = t.replace("\\times", "x").replace("{", "").replace("}", "").replace("\\mathdefault", "")
    if not t:
        return None
    if any(c in t for c in "⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺"):
        head = re.match(r"^(.*?)([⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺]+)$", t)
        if head:
            t = head.group(1) + "^" + head.group(2).translate(_SUPERSCRIPT)
    if t.endswith("%"):
        t = t[:-1]
    m = re.fullmatch(rf"({_NUMBER})", t)
    if m:
        return float(m.group(1)), False
    m = re.fullmatch(rf"({_NUMBER})[eE]([+-]?\d+)", t)
    if m:
        return float(m.group(1)) * 10.0 ** int(m.group(2)), True
    m = re.fullmatch(rf"(?:({_NUMBER})x)?(\d+)\^({_NUMBER})", t)
    if m:
        coef = float(m.group(1)) if m.group(1) else 1.0
        value = coef * float(m.group(2)) ** float(m.group(3))
        return (value, True) if math.isfinite(value) else None
    m = re.fullmatch(rf"({_NUMBER})([kKMBGTP])", t)
    if m:
        return float(m.group(1)) * _SUFFIX[m.group(2)], True
    return None


def read_labels(runs: list[TextRun]) -> list[Label]:
    """Every assembled text that reads as a number, as a Label."""
    labels = []
    for text, parts in assemble(runs):
        parsed = parse_number(text)
        if parsed is None:
            continue
        base = parts[0]
        labels.append(Label(text=text, value=parsed[0], x0=min(p.x0 for p in parts), x1=max(p.x1 for p in parts),
                            baseline=base.baseline, size=base.size, power=parsed[1]))
    return labels
