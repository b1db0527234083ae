"""Read one page of a PDF figure into a Page (pdfplumber / pdfminer.six for vector content and text; the page is
rendered with pypdfium2 only to sample embedded images such as colour bars)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .errors import DigitiseError
from .primitives import Page, Raster, Shape, TextRun, hex_colour

_CURVE_OPS = {"c", "v", "y"}


def _colour(value) -> str | None:
    """'#rrggbb' from a pdfminer colour (gray number or tuple, RGB tuple, CMYK tuple); None if unknown."""
    if value is None:
        return None
    if isinstance(value, (int, float)):
        value = (float(value),)
    try:
        comps = tuple(float(c) for c in value)
    except (TypeError, ValueError):
        return None  # pattern or named colour space
    if len(comps) == 1:
        return hex_colour((comps[0],) * 3)
    if len(comps) == 3:
        return hex_colour(comps)
    if len(comps) == 4:
        c, m, y, k = comps
        return hex_colour(((1 - c) * (1 - k), (1 - m) * (1 - k), (1 - y) * (1 - k)))
    return None


def _segments(path: list) -> tuple[np.ndarray, ...]:
    """A pdfplumber path as segments: (2, 2) for a line, (4, 2) control points for a cubic Bezier; a closing
    'h' is a line back to the subpath's start."""
    out: list[np.ndarray] = []
    cur = start = None
    for seg in path:
        op, pts = seg[0], [np.asarray(p, dtype=float) for p in seg[1:]]
        if op == "m":
            cur = start = pts[0]
        elif cur is None:
            continue
        elif op == "l":
            out.append(np.array([cur, pts[0]]))
            cur = pts[0]
        elif op in _CURVE_OPS and len(pts) == 3:
            out.append(np.array([cur, *pts]))
            cur = pts[-1]
        elif op == "h" and start is not None:
            if np.hypot(*(cur - start)) > 0:
                out.append(np.array([cur, start]))
            cur = start
    return tuple(out)


def _shape(obj: dict, order: int) -> Shape | None:
    """A pdfplumber line, rect or curve as a Shape (its path's on-curve points, top-based coordinates)."""
    pts = obj.get("pts") or []
    if len(pts) < 2:
        return None
    ops = [seg[0] for seg in obj.get("path") or []]
    curved = any(op in _CURVE_OPS for op in ops)
    vertices = np.asarray(pts, dtype=float)
    closed = "h" in ops or obj.get("object_type") == "rect" or (len(pts) > 2 and np.allclose(vertices[0], vertices[-1]))
    fill = _colour(obj.get("non_stroking_color")) if obj.get("fill") and (closed or curved) else None
    width = float(obj.get("linewidth") or 0.0)
    stroke = _colour(obj.get("stroking_color")) if obj.get("stroke") and (width > 0 or not fill) else None
    if fill is None and stroke is None:
        return None
    if curved:
        # The on-curve points miss the bulge of the curves: keep the true extent in the outline.
        x0, x1, top, bottom = float(obj["x0"]), float(obj["x1"]), float(obj["top"]), float(obj["bottom"])
        vertices = np.vstack([vertices, [[x0, top], [x1, bottom]]])
    return Shape(vertices=vertices, closed=closed, curved=curved, fill=fill, stroke=stroke, stroke_width=width, order=order,
                 segments=_segments(obj.get("path") or []), stated_fill=fill)


def _runs(chars: list[dict], page_height: float) -> list[TextRun]:
    """Characters joined into runs: same size and baseline, each starting where the previous one ended."""
    runs: list[TextRun] = []
    cur: list[dict] = []

    def flush():
        if cur:
            text = "".join(c["text"] for c in cur)
            first = cur[0]
            baseline = page_height - float(first["matrix"][5]) if first.get("matrix") else float(first["bottom"])
            vertical = not first.get("upright", True)
            runs.append(TextRun(text=text, x0=float(min(c["x0"] for c in cur)), x1=float(max(c["x1"] for c in cur)),
                                baseline=baseline if not vertical else float(min(c["top"] for c in cur)),
                                size=float(first["size"]), vertical=vertical, order=len(runs)))

    for ch in chars:
        if cur:
            prev = cur[-1]
            same = abs(float(ch["size"]) - float(prev["size"])) < 0.01 and abs(float(ch["bottom"]) - float(prev["bottom"])) < 0.2 * float(prev["size"]) \
                and -0.1 * float(prev["size"]) <= float(ch["x0"]) - float(prev["x1"]) <= 0.25 * float(prev["size"]) \
                and ch.get("upright", True) == prev.get("upright", True)
            if not same or ch["text"].isspace():
                flush()
                cur = []
                if ch["text"].isspace():
                    continue
        cur.append(ch)
    flush()
    return runs


def _rasters(pdf_page, images: list[dict]) -> list[Raster]:
    """Each embedded image sampled from a rendering of the page at (at least) its own resolution."""
    out = []
    for order, im in enumerate(images):
        x0, top, x1, bottom = float(im["x0"]), float(im["top"]), float(im["x1"]), float(im["bottom"])
        if x1 - x0 <= 0 or bottom - top <= 0:
            continue
        src_w, src_h = im.get("srcsize") or (x1 - x0, bottom - top)
        scale = max(2.0, 2.0 * max(src_w / (x1 - x0), src_h / (bottom - top)))
        try:
            img = pdf_page.crop((x0, top, x1, bottom)).to_image(resolution=72 * scale, antialias=False).original
        except Exception:
            continue
        out.append(Raster(bbox=(x0, top, x1, bottom), pixels=np.asarray(img.convert("RGB"), dtype=np.uint8), order=order))
    return out


def _true_colours(pdf_page, shapes: list[Shape]) -> list[Shape]:
    """Marker colours as rendered: pdfminer loses the colour a form XObject (how plotting libraries draw markers)
    inherits from its caller, so small filled shapes take the colour rendered at their centre and their outline
    the colour rendered just inside their top edge."""
    from dataclasses import replace

    small = [i for i, s in enumerate(shapes) if s.fill is not None and s.size < 0.05 * max(pdf_page.width, pdf_page.height)]
    if not small:
        return shapes
    res = min(8.0, 6000.0 / max(float(pdf_page.width), float(pdf_page.height)))  # at most 6000 pixels a side
    img = pdf_page.to_image(resolution=72 * res, antialias=False).original  # read pixel by pixel: no array copies
    img = img if img.mode == "RGB" else img.convert("RGB")
    w, h = img.size
    x_off, y_off = float(pdf_page.bbox[0]), float(pdf_page.bbox[1])

    def at(x: float, y: float) -> str:
        col = int(min(w - 1, max(0, (x - x_off) * res)))
        row = int(min(h - 1, max(0, (y - y_off) * res)))
        r, g, b = img.getpixel((col, row))
        return f"#{r:02x}{g:02x}{b:02x}"

    out = list(shapes)
    for i in small:
        s = shapes[i]
        cx, cy = s.centre
        stroke = s.stroke
        if stroke is not None and s.stroke_width > 0:
            stroke = at(cx, s.bbox[1] + 0.25 * s.stroke_width)
        out[i] = replace(s, fill=at(cx, cy), stroke=stroke)
    return out


def read_pdf_page(path: Path, page: int) -> Page:
    """Shapes, text runs and images of page ``page`` (from 1), in points from the page's top-left corner."""
    import pdfplumber

    try:
        pdf = pdfplumber.open(str(path))
    except Exception as exc:
        raise DigitiseError(path, f"cannot be opened as PDF ({type(exc).__name__}: {exc})", "give the original PDF") from None
    with pdf:
        if not 1 <= page <= len(pdf.pages):
            raise DigitiseError(path, f"has {len(pdf.pages)} page(s), page {page} was asked for",
                                f"give --page between 1 and {len(pdf.pages)}")
        p = pdf.pages[page - 1]
        out = Page(width=float(p.width), height=float(p.height))
        order = 0
        for kind in ("rect", "line", "curve"):
            for obj in p.objects.get(kind, []):
                shape = _shape(obj, order)
                order += 1
                if shape is not None:
                    out.shapes.append(shape)
        out.shapes = _true_colours(p, out.shapes)
        out.texts = _runs(p.chars, float(p.height))
        out.rasters = _rasters(p, p.images)
    return out
