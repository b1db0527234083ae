"""Colour bars: find one beside the frame (an image or a strip of filled cells), calibrate it from its labels,
and read a marker's value from its fill colour with the quantisation error of the bar."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .axes import Frame
from .calibration import AxisCalibration, Tick, choose_scale, fit_axis
from .labels import read_labels
from .primitives import Page, rgb_of


@dataclass(frozen=True)
class ColourBar:
    """Colour samples along a vertical (or horizontal) bar and the calibration of the bar's axis."""

    box: tuple[float, float, float, float]
    vertical: bool
    positions: np.ndarray  # (k,) figure positions along the bar of the samples
    colours: np.ndarray  # (k, 3) RGB 0..255
    step: float  # distance between samples (figure units)
    calibration: AxisCalibration
    kind: str  # 'image' | 'cells'
    lengths: np.ndarray | None = None  # (k,) extent of each cell along the bar (cells only)

    def read(self, hexcode: str, tolerance: float = 1.0) -> tuple[float, float, float]:
        """Value, its quantisation error, and the colour distance to the nearest sample of the bar.

        The samples as close to the marker's colour as the nearest one (within ``tolerance`` RGB levels) form a run;
        the marker's value lies between the nearest samples on either side that have other colours (or the bar's
        end), so the value is that interval's middle and the error its half-width.
        """
        rgb = rgb_of(hexcode)
        dist = np.sqrt(((self.colours - rgb) ** 2).sum(axis=1))
        best_i = int(np.argmin(dist))
        best = float(dist[best_i])
        close = dist <= best + tolerance
        lo = hi = best_i
        while lo > 0 and close[lo - 1]:
            lo -= 1
        while hi < len(dist) - 1 and close[hi + 1]:
            hi += 1
        if self.kind == "cells":  # each cell is one colour over its whole extent: the value is inside the run
            ends = self.calibration.value(np.array([self.positions[lo] - 0.5 * self.lengths[lo],
                                                    self.positions[hi] + 0.5 * self.lengths[hi]]))
            return float(0.5 * (ends[0] + ends[1])), float(0.5 * abs(ends[1] - ends[0])), best
        # Within a few samples of an end the neighbour may be the bar's outline, not another colour: use the end.
        edge = max(2, len(dist) // 100)
        lower = self.positions[lo - 1] if lo > edge else self.positions[0] - 0.5 * self.step
        upper = self.positions[hi + 1] if hi < len(dist) - 1 - edge else self.positions[-1] + 0.5 * self.step
        ends = self.calibration.value(np.array([lower, upper]))
        return float(0.5 * (ends[0] + ends[1])), float(0.5 * abs(ends[1] - ends[0])), best


def _strip_samples(pixels: np.ndarray, box, vertical: bool) -> tuple[np.ndarray, np.ndarray, float]:
    """Mean colour of the middle half of each pixel row (column) and the row's figure position."""
    h, w, _ = pixels.shape
    x0, y0, x1, y1 = box
    if vertical:
        mid = pixels[:, w // 4: max(w // 4 + 1, 3 * w // 4)].astype(float).mean(axis=1)
        step = (y1 - y0) / h
        pos = y0 + (np.arange(h) + 0.5) * step
    else:
        mid = pixels[h // 4: max(h // 4 + 1, 3 * h // 4)].astype(float).mean(axis=0)
        step = (x1 - x0) / w
        pos = x0 + (np.arange(w) + 0.5) * step
    return pos, mid, step


def _cell_strips(page: Page):
    """Stacks of filled rectangles of one width, touching along one axis, with several colours."""
    from .axes import _axis_aligned_rect

    cells = [s for s in page.shapes if s.fill is not None and _axis_aligned_rect(s)]
    by_column: dict[tuple, list] = {}
    for s in cells:
        x0, y0, x1, y1 = s.bbox
        by_column.setdefault(("v", round(x0, 2), round(x1, 2)), []).append(s)
        by_column.setdefault(("h", round(y0, 2), round(y1, 2)), []).append(s)
    strips = []
    for (orient, a, b), group in by_column.items():
        if len(group) < 8 or len({s.fill for s in group}) < 5:
            continue
        vertical = orient == "v"
        extent = lambda s: (s.bbox[3] - s.bbox[1]) if vertical else (s.bbox[2] - s.bbox[0])  # noqa: E731
        total = sum(extent(s) for s in group)
        group = [s for s in group if extent(s) < 0.5 * total]  # the bar's background, not a cell
        if len(group) < 8 or len({s.fill for s in group}) < 5:
            continue
        group = sorted(group, key=lambda s: s.centre[1] if vertical else s.centre[0])
        pos = np.array([s.centre[1] if vertical else s.centre[0] for s in group])
        lengths = np.array([(s.bbox[3] - s.bbox[1]) if vertical else (s.bbox[2] - s.bbox[0]) for s in group])
        if np.any(np.diff(pos) > 1.5 * lengths.max()):
            continue
        x0 = min(s.bbox[0] for s in group); y0 = min(s.bbox[1] for s in group)
        x1 = max(s.bbox[2] for s in group); y1 = max(s.bbox[3] for s in group)
        long_side, short_side = (y1 - y0, x1 - x0) if vertical else (x1 - x0, y1 - y0)
        if long_side < 4 * short_side:
            continue
        colours = np.array([rgb_of(s.fill) for s in group])
        strips.append(((x0, y0, x1, y1), vertical, pos, colours, float(np.median(lengths)), "cells", lengths))
    return strips


def find_colour_bar(page: Page, frame: Frame, override: AxisCalibration | None = None) -> ColourBar | None:
    """The colour bar nearest the frame's right edge (outside it), calibrated from its labels or ``override``."""
    candidates = []
    for r in page.rasters:
        x0, y0, x1, y1 = r.bbox
        w, h = x1 - x0, y1 - y0
        if max(w, h) < 4 * max(min(w, h), 1e-9):
            continue
        vertical = h > w
        pos, colours, step = _strip_samples(r.pixels, r.bbox, vertical)
        candidates.append((r.bbox, vertical, pos, colours, step, "image", None))
    candidates.extend(_cell_strips(page))
    fx0, fy0, fx1, fy1 = frame.box
    outside = [c for c in candidates if c[0][0] >= fx1 - 1e-6 or c[0][3] <= fy0 + 1e-6 or c[0][1] >= fy1 - 1e-6]
    if not outside:
        return None
    box, vertical, pos, colours, step, kind, lengths = min(outside, key=lambda c: (abs(c[0][0] - fx1), c[0][1]))
    if override is not None:
        cal = override
    else:
        cal = _calibrate(page, box, vertical)
        if cal is None:
            return None
    return ColourBar(box=box, vertical=vertical, positions=pos, colours=colours, step=step, calibration=cal, kind=kind,
                     lengths=lengths)


def _calibrate(page: Page, box, vertical: bool) -> AxisCalibration | None:
    """The bar's calibration from the numeric labels beside it (left or right for a vertical bar, below else)."""
    x0, y0, x1, y1 = box
    labels = []
    for lab in read_labels(page.texts):
        if vertical:
            beside = (x1 <= lab.x0 <= x1 + 2 * lab.size) or (x0 - 2 * lab.size <= lab.x1 <= x0)
            if beside and y0 - 0.5 * lab.size <= lab.y_anchor <= y1 + 0.5 * lab.size:
                labels.append(lab)
        else:
            if y1 <= lab.baseline - 0.5 * lab.size <= y1 + 2 * lab.size and x0 - 0.5 * lab.size <= lab.x_anchor <= x1 + 0.5 * lab.size:
                labels.append(lab)
    if len(labels) < 2:
        return None
    ticks = [Tick(position=lab.y_anchor if vertical else lab.x_anchor, value=lab.value, label=lab.text,
                  source="label position") for lab in labels]
    scale = choose_scale([t.value for t in ticks], [lab.power for lab in labels])
    try:
        return fit_axis("colour", ticks, scale, source="labels")
    except ValueError:
        return None
