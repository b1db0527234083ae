"""digitise_figure: read a figure page, find its frame, calibrate, find the markers and their series, read values
off a colour bar, and estimate each point's error."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from ..caches import forget_between_papers
from .axes import axis_labels, calibrate_from_labels, find_frames, select_frame, tick_marks
from .calibration import AxisCalibration, Tick, fit_axis
from .colorbar import ColourBar, find_colour_bar
from .errors import DigitiseError
from .fragments import FragmentReport, find_fragment_markers, is_flattened
from .markers import find_markers, series_name, split_legend
from .primitives import Page
from .result import Digitisation
from .spec import AxisSpec, DigitiseSpec



def read_page(path: Path, page: int = 1) -> Page:
    """The figure's content: SVG directly, PDF page ``page`` (from 1). A figure read before in this process (the
    same bytes, the same page) is not parsed again: several point sets and calibrations read one figure, and
    nothing downstream changes a page."""
    data = path.read_bytes()
    return _read_page(path, page, hashlib.sha256(data).hexdigest(), data[:1024])


@lru_cache(maxsize=8)
def _read_page(path: Path, page: int, sha256: str, first_bytes: bytes) -> Page:
    head = first_bytes.lstrip()
    if head.startswith(b"%PDF"):
        from .pdf import read_pdf_page

        return read_pdf_page(path, page)
    if path.suffix.lower() == ".svg" or b"<svg" in head or head.startswith(b"<?xml"):
        if page != 1:
            raise DigitiseError(path, f"an SVG has one page, page {page} was asked for", "leave out --page")
        from .svg import read_svg

        return read_svg(path)
    raise DigitiseError(path, "is neither an SVG nor a PDF file", "give the figure as .svg or .pdf")


forget_between_papers(_read_page.cache_clear)


def digitise_figure(figure: str | Path, page: int | None = None, panel: tuple[float, float, float, float] | None = None,
                    spec: DigitiseSpec | None = None) -> Digitisation:
    """Digitise one plot of a vector figure; ``page`` and ``panel`` override those of ``spec``."""
    path = Path(figure)
    if not path.is_file():
        raise DigitiseError(path, "figure file not found", "check the path")
    if path.suffix.lower() == ".json":
        from .wpd import import_wpd

        return import_wpd(path)
    spec = spec or DigitiseSpec()
    page_no = page or spec.page
    panel = panel or spec.panel
    data = path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    content = _read_page(path, page_no, sha, data[:1024])

    frames = find_frames(content)
    frame = select_frame(content, frames, panel)
    if frame is None:
        if not frames:
            raise DigitiseError(path, "no axes found (no plot frame or pair of spines)",
                                "give the plot area with --panel X0,Y0,X1,Y1 in figure units")
        boxes = "; ".join(",".join(f"{v:.2f}" for v in f.box) for f in frames)
        raise DigitiseError(path, f"{len(frames)} plot frames found ({boxes})",
                            "choose one with --panel X0,Y0,X1,Y1 (any box overlapping it)")

    warnings: list[str] = []
    marks = tick_marks(content, frame)
    labels = axis_labels(content, frame)
    x_cal = _calibrate(path, "x", spec.x, labels["x"], marks["x"], content)
    y_cal = _calibrate(path, "y", spec.y, labels["y"], marks["y"], content)

    bar = None
    if spec.colorbar is not False:
        override = None
        if isinstance(spec.colorbar, AxisSpec) and spec.colorbar.ticks:
            override = fit_axis("colour", [Tick(t.position, t.value) for t in spec.colorbar.ticks], spec.colorbar.scale,
                                source="record")
        bar = find_colour_bar(content, frame, override)
        if bar is None and isinstance(spec.colorbar, AxisSpec):
            raise DigitiseError(path, "no colour bar with readable labels found beside the plot",
                                "give colorbar ticks (position, value) in the calibration file, or set colorbar: false")

    report = None
    if spec.markers == "fragments" or (spec.markers == "auto" and is_flattened(content, frame)):
        found, report = find_fragment_markers(content, frame)
        covered = _raster_share(content, frame)
        if covered > 0:
            warnings.append(f"embedded images cover {100 * covered:.0f}% of the plot area; markers drawn there are "
                            "pixels (flattened transparency) and are not read")
    else:
        found = find_markers(content, frame)
    markers, legend = split_legend(found, content.texts, content, frame)
    legend_glyphs = len(found) - len(markers)
    if not markers:
        raise DigitiseError(path, f"no markers found inside the plot frame {_box(frame.box)}",
                            "check the panel; lines without markers are not digitised")
    if bar is not None:
        bar = _bar_if_it_colours(bar, markers, warnings)
    points = _points(markers, legend, x_cal, y_cal, bar, spec, warnings)
    return Digitisation(points=points, figure=path.name, sha256=sha, page=page_no, panel=frame.box, x=x_cal, y=y_cal,
                        colour_bar=bar, legend_glyphs=legend_glyphs, warnings=warnings, fragments=report)


def _raster_share(content: Page, frame) -> float:
    """The share of the frame's area that embedded images cover (overlaps between images counted once each)."""
    x0, y0, x1, y1 = frame.box
    area = 0.0
    for r in content.rasters:
        a0, b0, a1, b1 = r.bbox
        area += max(0.0, min(x1, a1) - max(x0, a0)) * max(0.0, min(y1, b1) - max(y0, b0))
    return min(1.0, area / (frame.width * frame.height)) if frame.width * frame.height > 0 else 0.0


def _bar_if_it_colours(bar: ColourBar, markers, warnings: list[str]) -> ColourBar | None:
    """The colour bar, if the markers' fills are its colours (median distance to the bar within 12 RGB levels);
    a bar beside markers of other colours (a second plot's scale) is not read."""
    fills = sorted({m.fill for m in markers if m.fill})
    if not fills:
        return None
    dist = float(np.median([bar.read(f)[2] for f in fills]))
    if dist > 12:
        warnings.append(f"a colour bar was found but the marker colours are not on it (median distance {dist:.0f} RGB "
                        "levels); markers are grouped by colour instead")
        return None
    return bar


def _box(box) -> str:
    return "(" + ", ".join(f"{v:.2f}" for v in box) + ")"


def _calibrate(path: Path, axis: str, given: AxisSpec, labels, marks, content: Page) -> AxisCalibration:
    """The record's calibration when it gives ticks, else one read from the tick labels."""
    if given.ticks:
        try:
            return fit_axis(axis, [Tick(t.position, t.value) for t in given.ticks], given.scale, source="record")
        except ValueError as exc:
            raise DigitiseError(path, f"the calibration for the {axis} axis is unusable ({exc})",
                                f"fix {axis}.ticks in the calibration file") from None
    if len(labels) < 2:
        why = "the figure draws its text as outlines" if content.text_as_outlines else \
            f"{len(labels)} numeric tick label(s) found beside the {axis} axis"
        raise DigitiseError(path, f"no ticks to calibrate the {axis} axis ({why})",
                            f"give {axis}: {{scale: log|linear, ticks: [{{position: ..., value: ...}}, ...]}} in a "
                            "calibration file (--calibration FILE)")
    try:
        cal = calibrate_from_labels(axis, labels, marks)
    except ValueError as exc:
        raise DigitiseError(path, f"cannot calibrate the {axis} axis from its labels ({exc})",
                            f"give {axis} ticks in a calibration file") from None
    if given.scale and given.scale != cal.scale:
        cal = fit_axis(axis, list(cal.ticks), given.scale, source="labels")
    return cal


def _points(markers, legend, x_cal, y_cal, bar, spec: DigitiseSpec, warnings: list[str]) -> pd.DataFrame:
    """One row per marker: series, data coordinates, value from the colour bar, and errors."""
    rows = []
    with_fill = bar is None
    for m in markers:
        name = series_name(m.style(with_fill), legend)
        name = spec.series.get(name, name)
        row = {"series": name,
               "x": float(x_cal.value(m.x)), "y": float(y_cal.value(m.y)),
               "x_err": float(x_cal.error(m.x, m.centre_err)), "y_err": float(y_cal.error(m.y, m.centre_err)),
               "x_fig": m.x, "y_fig": m.y, "colour": m.fill or ""}
        if bar is not None:
            if m.fill is None:
                row["value"], row["value_err"] = np.nan, np.nan
            else:
                value, err, dist = bar.read(m.fill)
                row["value"], row["value_err"] = value, err
                if dist > 12:
                    warnings.append(f"marker at ({m.x:.2f}, {m.y:.2f}) colour {m.fill} is {dist:.0f} RGB levels "
                                    "from the nearest colour of the bar")
        rows.append(row)
    df = pd.DataFrame(rows)
    return df.sort_values(["series", "x", "y"], kind="mergesort").reset_index(drop=True)
