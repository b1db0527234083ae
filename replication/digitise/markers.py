"""Plotted markers: find them inside a frame, merge the fill and outline drawn for one marker, classify their
shape, set legend glyphs apart, and group the rest into series by style."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .axes import Frame
from .primitives import Page, Shape, TextRun


@dataclass(frozen=True)
class Marker:
    """One plotted marker: centre, style and how uncertain its centre is (figure units)."""

    x: float
    y: float
    fill: str | None
    stroke: str | None
    kind: str
    size: float
    centre_err: float
    order: int

    def style(self, with_fill: bool = True) -> tuple:
        """The grouping key: fill and stroke colour, shape, size (fill left out when colour encodes a value).

        An edge drawn in the face colour looks like no edge, so it groups with markers drawn without one."""
        stroke = None if self.stroke == self.fill else self.stroke
        return (self.fill if with_fill else None, stroke, self.kind, round(self.size, 1))


def shape_kind(s: Shape) -> str:
    """circle, square, diamond, triangle-up/-down/-left/-right, pentagon, hexagon, star, or polygon-<n>."""
    x0, y0, x1, y1 = s.bbox
    if s.curved:
        return "circle" if abs((x1 - x0) - (y1 - y0)) < 0.15 * max(x1 - x0, y1 - y0) else "ellipse"
    v = s.vertices
    if len(v) > 1 and np.allclose(v[0], v[-1]):
        v = v[:-1]
    scale = max(x1 - x0, y1 - y0, 1e-12)
    uniq = []
    for p in v:
        if not any(np.hypot(*(p - q)) < 1e-3 * scale for q in uniq):
            uniq.append(p)
    n = len(uniq)
    u = np.asarray(uniq)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    if n == 3:
        tol = 1e-3 * scale
        for k in range(3):  # the apex is the vertex off the side the other two share
            a, b = u[(k + 1) % 3], u[(k + 2) % 3]
            if abs(a[1] - b[1]) < tol:
                return "triangle-up" if u[k][1] < a[1] else "triangle-down"
            if abs(a[0] - b[0]) < tol:
                return "triangle-left" if u[k][0] < a[0] else "triangle-right"
        return "triangle"
    if n == 4:
        on_corner = np.isclose(u[:, 0], x0, atol=1e-3 * scale) | np.isclose(u[:, 0], x1, atol=1e-3 * scale)
        return "square" if on_corner.all() else "diamond"
    if n == 5:
        return "pentagon"
    if n == 6:
        return "hexagon"
    if n == 10:
        return "star"
    return f"polygon-{n}"


def _candidates(page: Page, frame: Frame) -> list[Shape]:
    """Small closed shapes whose centre lies inside the frame."""
    limit = 0.08 * min(frame.width, frame.height)
    out = []
    for s in page.shapes:
        if not (s.closed or s.curved):
            continue
        size = s.size
        if size <= 0 or size > limit:
            continue
        cx, cy = s.centre
        if frame.contains(cx, cy, margin=0.5 * size):
            out.append(s)
    return out


def find_markers(page: Page, frame: Frame) -> list[Marker]:
    """Markers in the frame; a fill and an outline drawn at the same place with the same size are one marker."""
    shapes = sorted(_candidates(page, frame), key=lambda s: s.order)
    markers: list[Marker] = []
    i = 0
    while i < len(shapes):
        s = shapes[i]
        group = [s]
        j = i + 1
        while j < len(shapes):
            t = shapes[j]
            close = np.hypot(t.centre[0] - s.centre[0], t.centre[1] - s.centre[1]) < 0.05 * s.size
            similar = abs(t.size - s.size) < 0.2 * s.size + t.stroke_width + s.stroke_width
            complementary = (s.fill is None) != (t.fill is None) or (s.stroke is None) != (t.stroke is None)
            if close and similar and complementary and len(group) < 2:
                group.append(t)
                j += 1
            else:
                break
        fill = next((g.fill for g in group if g.fill is not None), None)
        stroke = next((g.stroke for g in group if g.stroke is not None), None)
        centres = np.array([g.centre for g in group])
        cx, cy = centres.mean(axis=0)
        spread = float(np.max(np.hypot(centres[:, 0] - cx, centres[:, 1] - cy))) if len(group) > 1 else 0.0
        # Marker-centre ambiguity: how far apart the centres of the parts drawn for one marker are.
        markers.append(Marker(x=float(cx), y=float(cy), fill=fill, stroke=stroke, kind=shape_kind(group[0]),
                              size=float(max(g.size for g in group)), centre_err=spread,
                              order=group[0].order))
        i = j
    return markers


def _label_right_of(x: float, y: float, size: float, texts: list[TextRun]) -> str | None:
    """The text starting just to the right of (x, y) on the same line, if any."""
    for t in texts:
        if t.vertical:
            continue
        _, tcy = t.centre
        if x <= t.x0 <= x + 4.0 * max(size, 0.5 * t.size) and abs(tcy - y) < 0.6 * t.size:
            return t.text
    return None


def split_legend(markers: list[Marker], texts: list[TextRun], page: Page | None = None,
                 frame: Frame | None = None) -> tuple[list[Marker], dict[tuple, str]]:
    """Markers with a text label just to their right are legend glyphs: set them apart and name their style.
    Short horizontal lines with a label (legend entries drawn as lines) name the markers of their colour."""
    kept, names = [], {}
    for m in markers:
        label = _label_right_of(m.x + 0.5 * m.size, m.y, m.size, texts)
        if label is None:
            kept.append(m)
        else:
            names.setdefault(m.style(), label)
    if page is not None and frame is not None:
        short = 0.1 * frame.width
        for s in page.shapes:
            if s.stroke is None or s.closed or s.curved or len(s.vertices) != 2:
                continue
            (ax, ay), (bx, by) = s.vertices
            if abs(ay - by) > 1e-6 or not 0 < abs(bx - ax) <= short or not frame.contains(ax, ay):
                continue
            label = _label_right_of(max(ax, bx), ay, abs(bx - ax) / 2, texts)
            if label is not None:
                names.setdefault(("line", s.stroke), label)
    return kept, names


def series_name(style: tuple, legend: dict[tuple, str]) -> str:
    """The legend's label for a style (a marker glyph, else a legend line of the marker's colour), else a name
    built from the style (shape and colours)."""
    fill, stroke, kind, size = style
    for key, name in sorted(legend.items(), key=lambda kv: kv[1]):
        if key[0] != "line" and key[1:] == style[1:] and (fill is None or key[0] == fill):
            return name
    for key, name in sorted(legend.items(), key=lambda kv: kv[1]):
        if key[0] == "line" and key[1] in (fill, stroke) and key[1] is not None:
            return name
    colour = (fill or stroke or "").lstrip("#")
    return "-".join(part for part in (kind, colour, f"{size:g}" if size else "") if part)
