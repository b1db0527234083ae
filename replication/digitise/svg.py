"""Read an SVG figure into a Page (svgelements resolves groups, transforms, <use> and styles)."""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path

import numpy as np

from .errors import DigitiseError
from .fonts import text_width
from .primitives import Page, Raster, Shape, TextRun

_CURVE_SAMPLES = np.linspace(0.0, 1.0, 9)[1:]


def read_svg(path: Path) -> Page:
    """Shapes, text runs and images of an SVG file, in the units of its root viewBox."""
    import svgelements as se

    try:
        svg = se.SVG.parse(str(path), reify=True)
    except Exception as exc:  # the parser raises many types on malformed input
        raise DigitiseError(path, f"cannot be parsed as SVG ({type(exc).__name__}: {exc})",
                            "give the figure's original SVG file") from None
    scale = _root_scale(svg)
    page = Page(width=float(svg.width) * scale, height=float(svg.height) * scale)
    glyph_uses = 0
    for order, el in enumerate(svg.elements()):
        if isinstance(el, se.Text):
            run = _text_run(el, scale, order)
            if run is not None:
                page.texts.append(run)
        elif isinstance(el, se.Image):
            raster = _raster(el, scale, order)
            if raster is not None:
                page.rasters.append(raster)
        elif isinstance(el, se.Shape):
            if _in_glyph(el):
                glyph_uses += 1
                continue
            shape = _shape(el, scale, order)
            if shape is not None:
                page.shapes.append(shape)
    page.text_as_outlines = glyph_uses > 0 and not page.texts
    return page


def _root_scale(svg) -> float:
    """Factor from svgelements' pixel units back to the root viewBox units."""
    vb = svg.viewbox
    if vb is not None and vb.width and float(svg.width):
        return float(vb.width) / float(svg.width)
    return 1.0


_GLYPH_ID = re.compile(r"glyph|^[A-Za-z][\w.]*-[0-9a-f]{2,5}$")  # cairo's glyph-0-1, matplotlib's DejaVuSans-31


def _in_glyph(el) -> bool:
    """Whether the shape is a font glyph drawn through <use> (cairo, pdf2svg and matplotlib write outlined text so)."""
    ident = str(el.values.get("id", "") or "")
    href = str(el.values.get("{http://www.w3.org/1999/xlink}href", "") or el.values.get("href", "") or "")
    return bool(_GLYPH_ID.search(ident) or _GLYPH_ID.search(href.lstrip("#")))


def _colour(paint) -> str | None:
    """'#rrggbb' of an svgelements Color, None for none or fully transparent paint."""
    if paint is None or paint.value is None:
        return None
    if paint.alpha == 0:
        return None
    return f"#{paint.red:02x}{paint.green:02x}{paint.blue:02x}"


def _shape(el, scale: float, order: int) -> Shape | None:
    """The flattened outline of a path-like element, or None if invisible or empty."""
    import svgelements as se

    fill, stroke = _colour(el.fill), _colour(el.stroke)
    if fill is None and stroke is None:
        return None
    path = el if isinstance(el, se.Path) else se.Path(el)
    pts: list[tuple[float, float]] = []
    curved = closed = False
    for seg in path.segments():
        if isinstance(seg, se.Move):
            if seg.end is not None:
                pts.append((seg.end.x, seg.end.y))
        elif isinstance(seg, se.Close):
            closed = True
        elif isinstance(seg, se.Line):
            pts.append((seg.end.x, seg.end.y))
        elif isinstance(seg, (se.CubicBezier, se.QuadraticBezier, se.Arc)):
            curved = True
            pts.extend((p.x, p.y) for p in (seg.point(t) for t in _CURVE_SAMPLES))
    if len(pts) < 2:
        return None
    vertices = np.asarray(pts, dtype=float) * scale
    if not closed and np.allclose(vertices[0], vertices[-1]):
        closed = True
    width = float(el.stroke_width or 0.0) * scale if stroke else 0.0
    return Shape(vertices=vertices, closed=closed, curved=curved, fill=fill, stroke=stroke, stroke_width=width, order=order)


def _glyph_xs(el) -> list[float]:
    """Per-glyph x positions when the element lists them (x="x1 x2 ...")."""
    raw = el.values.get("x")
    if raw is None:
        return []
    try:
        return [float(v) for v in re.split(r"[\s,]+", str(raw).strip()) if v]
    except ValueError:
        return []


def _text_run(el, scale: float, order: int) -> TextRun | None:
    """A text element as a run in root units; its extent from the glyph positions and font metrics."""
    text = el.text
    if text is None or not str(text).strip():
        return None
    text = str(text)
    m = el.transform
    size_local = float(el.font_size or 12.0)
    xs = _glyph_xs(el)
    family = str(el.font_family or "DejaVu Sans").split(",")[0].strip("'\" ")
    if len(xs) == len(text) and len(xs) > 1:
        x_start = xs[0]
        x_end = xs[-1] + text_width(text[-1], size_local, family)
    else:
        x_start = float(el.x or 0.0)
        x_end = x_start + text_width(text, size_local, family)
    anchor = str(el.values.get("text-anchor", "") or getattr(el, "anchor", "") or "start")
    if anchor == "middle":
        half = (x_end - x_start) / 2
        x_start, x_end = x_start - half, x_end - half
    elif anchor == "end":
        x_start, x_end = x_start - (x_end - x_start), x_start
    y = float(el.y or 0.0)
    p0 = m.point_in_matrix_space((x_start, y))
    p1 = m.point_in_matrix_space((x_end, y))
    vx, vy = p1[0] - p0[0], p1[1] - p0[1]
    length_local = max(x_end - x_start, 1e-12)
    unit = (vx * vx + vy * vy) ** 0.5 / length_local
    vertical = abs(vy) > abs(vx)
    size = size_local * unit * scale
    if vertical:
        return TextRun(text=text.strip(), x0=p0[0] * scale, x1=p0[0] * scale, baseline=min(p0[1], p1[1]) * scale,
                       size=size, vertical=True, order=order)
    x0, x1 = sorted((p0[0] * scale, p1[0] * scale))
    return TextRun(text=text.strip(), x0=x0, x1=x1, baseline=p0[1] * scale, size=size, order=order)


def _raster(el, scale: float, order: int) -> Raster | None:
    """An embedded (data URL) image and where it is placed; external images are skipped."""
    from PIL import Image

    url = str(el.url or "")
    if not url.startswith("data:") or "," not in url:
        return None
    try:
        img = Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))).convert("RGB")
    except Exception:
        return None
    w = float(el.width or img.width)
    h = float(el.height or img.height)
    m = el.transform
    ox, oy = float(el.x or 0), float(el.y or 0)
    corners = np.array([m.point_in_matrix_space((ox + dx, oy + dy)) for dx in (0, w) for dy in (0, h)],
                       dtype=float) * scale
    pixels = np.asarray(img, dtype=np.uint8)
    # corners: (0,0), (0,h), (w,0), (w,h) in image space; a transform that mirrors the image mirrors its pixels.
    if corners[1, 1] < corners[0, 1]:
        pixels = pixels[::-1]
    if corners[2, 0] < corners[0, 0]:
        pixels = pixels[:, ::-1]
    bbox = (float(corners[:, 0].min()), float(corners[:, 1].min()), float(corners[:, 0].max()), float(corners[:, 1].max()))
    return Raster(bbox=bbox, pixels=np.ascontiguousarray(pixels), order=order)
