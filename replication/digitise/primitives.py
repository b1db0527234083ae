"""What a figure page is made of, independent of the file format: shapes, text runs and raster images.

Coordinates are figure units (SVG user units of the root viewBox, or PDF points), x to the right and y downwards.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Shape:
    """One drawn path, flattened to its outline vertices; ``curved`` if it had Bezier or arc segments."""

    vertices: np.ndarray  # (n, 2)
    closed: bool
    curved: bool
    fill: str | None  # '#rrggbb' or None
    stroke: str | None
    stroke_width: float = 0.0
    order: int = 0  # drawing order in the file
    # The path's segments where the reader keeps them (PDF): (2, 2) arrays for lines, (4, 2) control points for
    # cubic Beziers, in drawing order; empty where only the outline vertices are known.
    segments: tuple[np.ndarray, ...] = ()
    # The fill colour the file states for this path (``fill`` may be replaced by the colour rendered at the centre).
    stated_fill: str | None = None

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        """(x0, y0, x1, y1) of the outline."""
        v = self.vertices
        return float(v[:, 0].min()), float(v[:, 1].min()), float(v[:, 0].max()), float(v[:, 1].max())

    @property
    def centre(self) -> tuple[float, float]:
        """Centre of the bounding box (the marker centre for symmetric markers)."""
        x0, y0, x1, y1 = self.bbox
        return (x0 + x1) / 2, (y0 + y1) / 2

    @property
    def size(self) -> float:
        """Larger side of the bounding box."""
        x0, y0, x1, y1 = self.bbox
        return max(x1 - x0, y1 - y0)


@dataclass(frozen=True)
class TextRun:
    """A run of characters on one baseline with one font size; x0..x1 its horizontal extent."""

    text: str
    x0: float
    x1: float
    baseline: float
    size: float
    vertical: bool = False  # rotated by 90 degrees (axis titles)
    order: int = 0

    @property
    def top(self) -> float:
        """Approximate top of the digits and capitals (cap height about 0.73 em)."""
        return self.baseline - 0.73 * self.size

    @property
    def centre(self) -> tuple[float, float]:
        """Horizontal centre and the vertical middle of digits and capitals."""
        return (self.x0 + self.x1) / 2, self.baseline - 0.365 * self.size


@dataclass(frozen=True)
class Raster:
    """An embedded image placed at bbox, its pixels as rows from the top (h, w, 3) uint8."""

    bbox: tuple[float, float, float, float]
    pixels: np.ndarray
    order: int = 0


@dataclass
class Page:
    """The drawable content of one figure page."""

    width: float
    height: float
    shapes: list[Shape] = field(default_factory=list)
    texts: list[TextRun] = field(default_factory=list)
    rasters: list[Raster] = field(default_factory=list)
    text_as_outlines: bool = False  # the file draws glyphs as paths, so no text can be read


def hex_colour(rgb: tuple[float, float, float] | None) -> str | None:
    """'#rrggbb' from channel values in [0, 1]; None stays None."""
    if rgb is None:
        return None
    return "#" + "".join(f"{int(round(max(0.0, min(1.0, float(c))) * 255)):02x}" for c in rgb)


def rgb_of(hexcode: str) -> np.ndarray:
    """Channel values in [0, 255] of '#rrggbb'."""
    return np.array([int(hexcode[i:i + 2], 16) for i in (1, 3, 5)], dtype=float)
