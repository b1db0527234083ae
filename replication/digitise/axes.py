"""Find a figure's plot frames, their tick marks and tick labels, and calibrate the x and y axes from them."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .calibration import AxisCalibration, Tick, choose_scale, fit_axis
from .labels import Label, read_labels
from .primitives import Page, Shape

Box = tuple[float, float, float, float]
LABEL_ANCHOR_EM = 0.05


@dataclass(frozen=True)
class Frame:
    """A plot area (x0, y0, x1, y1) in figure units."""

    box: Box

    @property
    def width(self) -> float:
        return self.box[2] - self.box[0]

    @property
    def height(self) -> float:
        return self.box[3] - self.box[1]

    def contains(self, x: float, y: float, margin: float = 0.0) -> bool:
        """Whether (x, y) lies inside the frame grown by ``margin``."""
        x0, y0, x1, y1 = self.box
        return x0 - margin <= x <= x1 + margin and y0 - margin <= y <= y1 + margin


def _axis_aligned_rect(s: Shape) -> bool:
    """Whether a closed outline is a rectangle with horizontal and vertical sides."""
    if s.curved or not s.closed:
        return False
    v = s.vertices
    x0, y0, x1, y1 = s.bbox
    tol = 1e-6 * max(1.0, x1 - x0, y1 - y0) + 1e-6
    on_edge = (np.isclose(v[:, 0], x0, atol=tol) | np.isclose(v[:, 0], x1, atol=tol)) & \
              (np.isclose(v[:, 1], y0, atol=tol) | np.isclose(v[:, 1], y1, atol=tol))
    return bool(on_edge.all())


def _segments(s: Shape) -> list[tuple[np.ndarray, np.ndarray]]:
    """Consecutive vertex pairs of an open straight outline."""
    if s.curved:
        return []
    v = s.vertices
    return [(v[i], v[i + 1]) for i in range(len(v) - 1)]


def find_frames(page: Page, nested: bool = False) -> list[Frame]:
    """Plot areas: large axis-aligned rectangles (axes backgrounds or frames), else boxes closed by long spines;
    with ``nested``, also those inside another (a panel's plot area inside the panel's background)."""
    pw, ph = page.width, page.height
    boxes: list[Box] = []
    for s in page.shapes:
        x0, y0, x1, y1 = s.bbox
        w, h = x1 - x0, y1 - y0
        if w < 0.08 * pw or h < 0.08 * ph or (w > 0.97 * pw and h > 0.97 * ph):
            continue
        if _axis_aligned_rect(s) and (w < 20 * h and h < 20 * w):
            boxes.append((x0, y0, x1, y1))
    if not boxes:
        boxes = _spine_boxes(page)
    unique: list[Box] = []
    for b in sorted(boxes):
        if not any(max(abs(b[i] - u[i]) for i in range(4)) < 1e-3 * max(pw, ph) for u in unique):
            unique.append(b)
    if nested:
        return [Frame(b) for b in unique]
    # A frame inside another one (a legend box, an inset) is not a separate plot when markers are around it.
    outer = [b for b in unique if not any(u != b and u[0] <= b[0] and u[1] <= b[1] and u[2] >= b[2] and u[3] >= b[3]
                                          for u in unique)]
    return [Frame(b) for b in outer]


def _spine_boxes(page: Page) -> list[Box]:
    """Boxes spanned by a long horizontal and a long vertical line that meet at a corner."""
    horiz, vert = [], []
    for s in page.shapes:
        if s.stroke is None:
            continue
        for a, b in _segments(s):
            dx, dy = abs(b[0] - a[0]), abs(b[1] - a[1])
            if dy < 1e-6 and dx > 0.1 * page.width:
                horiz.append((min(a[0], b[0]), max(a[0], b[0]), a[1]))
            elif dx < 1e-6 and dy > 0.1 * page.height:
                vert.append((min(a[1], b[1]), max(a[1], b[1]), a[0]))
    boxes = []
    for hx0, hx1, hy in horiz:
        for vy0, vy1, vx in vert:
            tol = 0.01 * max(page.width, page.height)
            if abs(vx - hx0) < tol and abs(vy1 - hy) < tol:  # left spine meets bottom spine
                boxes.append((hx0, vy0, hx1, hy))
    return boxes


def select_frame(page: Page, frames: list[Frame], panel: Box | None) -> Frame | None:
    """The frame of the requested panel, the only frame, or None when ambiguous.

    With a panel, the frame (nested ones included) that matches it best by intersection over union, when that is
    at least 0.5; else the panel itself. Matching by overlap alone chose a panel's whole background, or a frame
    reaching into the next panel, whose markers and ticks then counted as this plot's."""
    if panel is not None:
        def iou(f: Frame) -> float:
            x0, y0 = max(f.box[0], panel[0]), max(f.box[1], panel[1])
            x1, y1 = min(f.box[2], panel[2]), min(f.box[3], panel[3])
            inter = max(0.0, x1 - x0) * max(0.0, y1 - y0)
            union = f.width * f.height + (panel[2] - panel[0]) * (panel[3] - panel[1]) - inter
            return inter / union if union > 0 else 0.0
        candidates = frames + [f for f in find_frames(page, nested=True) if f not in frames]
        scored = sorted(((iou(f), f.box) for f in candidates), reverse=True)
        if scored and scored[0][0] >= 0.5:
            return Frame(scored[0][1])
        return Frame(panel)
    return frames[0] if len(frames) == 1 else None


def tick_marks(page: Page, frame: Frame) -> dict[str, list[float]]:
    """Positions of tick marks on the bottom edge (x) and the left edge (y) of the frame, and of grid lines
    spanning it (a grid line is drawn at a tick)."""
    x0, y0, x1, y1 = frame.box
    longest = 0.06 * max(frame.width, frame.height)
    tol = 0.01 * max(frame.width, frame.height)
    found: dict[str, list[float]] = {"x": [], "y": []}
    grids: dict[tuple, list[float]] = {}
    for s in page.shapes:
        if s.stroke is None or s.closed or len(s.vertices) != 2 or s.curved:
            continue
        (ax, ay), (bx, by) = s.vertices
        if abs(ax - bx) < 1e-6:  # vertical: an x tick on the bottom edge, or an x grid line across the plot
            axis, at, (lo, hi), across, along, edge = "x", ax, sorted((ay, by)), (y0, y1), (x0, x1), y1
        elif abs(ay - by) < 1e-6:  # horizontal: a y tick on the left edge, or a y grid line
            axis, at, (lo, hi), across, along, edge = "y", ay, sorted((ax, bx)), (x0, x1), (y0, y1), x0
        else:
            continue
        tick = 0 < hi - lo <= longest and lo - tol <= edge <= hi + tol
        grid = lo <= across[0] + tol and hi >= across[1] - tol and along[0] + tol < at < along[1] - tol
        if tick and along[0] - tol <= at <= along[1] + tol:
            found[axis].append(float(at))
        elif grid:
            grids.setdefault((axis, s.stroke, round(s.stroke_width, 3)), []).append(float(at))
    # A grid is several lines of one style; a single line across the plot (a threshold, a budget) is data.
    for (axis, _, _), positions in grids.items():
        if len(positions) >= 2:
            found[axis].extend(positions)
    return {k: sorted(set(np.round(v, 6))) for k, v in found.items()}


def axis_labels(page: Page, frame: Frame) -> dict[str, list[Label]]:
    """Numeric labels below the frame (x axis) and to its left (y axis)."""
    x0, y0, x1, y1 = frame.box
    out: dict[str, list[Label]] = {"x": [], "y": []}
    for lab in read_labels(page.texts):
        below = y1 <= lab.baseline - 0.5 * lab.size <= y1 + 3.0 * lab.size
        if below and x0 - 0.1 * frame.width <= lab.x_anchor <= x1 + 0.1 * frame.width:
            out["x"].append(lab)
            continue
        left = x0 - 8.0 * lab.size <= lab.x1 <= x0 + 0.2 * lab.size
        if left and y0 - 0.1 * frame.height <= lab.y_anchor <= y1 + 0.1 * frame.height:
            out["y"].append(lab)
    # Keep only the label row (column) nearest the frame: axis titles and other panels' labels are further away.
    if out["x"]:
        top = min(lab.baseline for lab in out["x"])
        out["x"] = [lab for lab in out["x"] if lab.baseline - top < 0.5 * lab.size]
    if out["y"]:
        right = max(lab.x1 for lab in out["y"])
        out["y"] = [lab for lab in out["y"] if right - lab.x1 < 0.5 * lab.size]
    return out


def ticks_from_labels(axis: str, labels: list[Label], marks: list[float]) -> list[Tick]:
    """Pair each label with the nearest tick mark within half a label height, else with the label's own anchor."""
    ticks = []
    for lab in sorted(labels, key=lambda l: (l.x_anchor, l.y_anchor)):
        anchor = lab.x_anchor if axis == "x" else lab.y_anchor
        near = [m for m in marks if abs(m - anchor) <= 0.6 * lab.size]
        if near:
            pos = min(near, key=lambda m: abs(m - anchor))
            ticks.append(Tick(position=float(pos), value=lab.value, label=lab.text, source="tick mark"))
        else:
            ticks.append(Tick(position=float(anchor), value=lab.value, label=lab.text, source="label position"))
    return ticks


def calibrate_from_labels(axis: str, labels: list[Label], marks: list[float]) -> AxisCalibration:
    """Calibrate one axis from its labels (raises ValueError with the reason when it cannot)."""
    ticks = ticks_from_labels(axis, labels, marks)
    scale = choose_scale([t.value for t in ticks], [lab.power for lab in labels])
    if scale is None and any(lab.power for lab in labels) and all(t.value > 0 for t in ticks):
        values = sorted(t.value for t in ticks)
        ratios = np.diff(np.log10(values))
        if len(values) >= 3 and np.all(ratios > 0.2):
            scale = None  # let the residual decide between linear and log
    cal = fit_axis(axis, ticks, scale, source="labels")
    from_labels = [lab.size for lab, t in zip(sorted(labels, key=lambda l: (l.x_anchor, l.y_anchor)), ticks)
                   if t.source == "label position"]
    if from_labels:
        # Without tick marks the tick is where the label is centred; how a renderer pads a label (trailing script
        # space after an exponent, the ascent it centres on) moves that centre by a few hundredths of an em.
        cal = replace(cal, anchor_err=LABEL_ANCHOR_EM * float(np.median(from_labels)))
    return cal
