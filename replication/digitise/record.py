"""Write a digitisation: DIR/points.csv (series, x, y, [value], x_err, y_err, [value_err]) and DIR/digitisation.yaml
(provenance, calibration and its residual, method, points per series), atomically and byte-for-byte reproducibly."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from ..results import write_text_atomic
from .calibration import AxisCalibration
from .version import METHOD_VERSION
from .result import Digitisation

POINT_COLUMNS = ["series", "x", "y", "value", "x_err", "y_err", "value_err"]


def _num(v: float) -> float | None:
    """A float rounded to 10 significant digits (stable text), None for NaN."""
    if v is None or not np.isfinite(v):
        return None
    return float(f"{float(v):.10g}")


def points_csv(d: Digitisation) -> str:
    """The points table as CSV text (fixed column order, 10 significant digits)."""
    cols = [c for c in POINT_COLUMNS if c in d.points.columns]
    buf = io.StringIO()
    d.points[cols].to_csv(buf, index=False, float_format="%.10g", lineterminator="\n")
    return buf.getvalue()


def _axis(cal: AxisCalibration) -> dict:
    return {
        "scale": cal.scale,
        "source": cal.source,
        "map": f"{'log10(value)' if cal.scale == 'log' else 'value'} = {_num(cal.intercept)} + {_num(cal.slope)} * position",
        "residual": _num(cal.residual),
        "label_anchor_error": _num(cal.anchor_err),
        "ticks": [{"position": _num(t.position), "value": _num(t.value), "label": t.label, "from": t.source}
                  for t in cal.ticks],
    }


def digitisation_record(d: Digitisation) -> dict:
    """What digitisation.yaml holds."""
    counts = d.points["series"].value_counts().sort_index()
    markers = ("small closed shapes inside the plot frame; a fill and an outline drawn at one place are one marker; "
               "markers labelled by a text to their right are legend glyphs and left out")
    series = "grouped by fill and stroke colour, shape and size"
    if d.fragments is not None:
        markers = ("recovered from flattened transparency (replication/digitise/fragments.py): circles fitted to the "
                   "curved boundary pieces of the fragments, circle markers where arcs of the outline radii share a "
                   "centre, square and triangle markers where the rounded corners (arcs of half the edge width) "
                   "match the template of the marker size; centre_err is the spread of the arc centres")
        series = ("grouped by shape and colour: the base colour (one marker over white) that best explains the "
                  "fragment colours inside the marker, given the markers found over it")
    rec = {
        "figure": d.figure,
        "sha256": d.sha256,
        "page": d.page,
        "panel": [_num(v) for v in d.panel],
        "method": {
            "digitiser": f"replication.digitise {METHOD_VERSION}",
            "markers": markers,
            "series": series + (
                " (fill left out: it encodes the colour-bar value)" if d.colour_bar is not None else ""),
            "errors": "x_err, y_err: marker-centre ambiguity and calibration residual, in quadrature, through the "
                      "calibration; label_anchor_error (per axis, figure units): where tick positions are label "
                      "positions, how far the labels' centring may put them from the ticks, a shift common to every "
                      "point; value_err: half the interval between the nearest colour-bar samples of other colours",
        },
        "calibration": {"x": _axis(d.x), "y": _axis(d.y)},
        "points_per_series": {str(k): int(v) for k, v in counts.items()},
        "legend_glyphs_left_out": int(d.legend_glyphs),
        "warnings": list(d.warnings),
    }
    if d.fragments is not None:
        f = d.fragments
        rec["fragments"] = {"fragments": f.fragments, "arcs": f.arcs, "outline_radii": [_num(r) for r in f.outline_radii],
                            "corner_radius": _num(f.corner_radius) if f.corner_radius is not None else None,
                            "corners": f.corners, "half_size": _num(f.half_size) if f.half_size is not None else None,
                            "markers": dict(f.markers)}
    if d.colour_bar is not None:
        bar = d.colour_bar
        rec["calibration"]["colour_bar"] = {**_axis(bar.calibration), "box": [_num(v) for v in bar.box],
                                            "kind": bar.kind, "samples": int(len(bar.positions)),
                                            "sample_step": _num(bar.step)}
    return rec


def write_digitisation(d: Digitisation, out: Path) -> tuple[Path, Path]:
    """Write points.csv and digitisation.yaml into ``out``; returns their paths."""
    out = Path(out)
    points, meta = out / "points.csv", out / "digitisation.yaml"
    write_text_atomic(points, points_csv(d))
    write_text_atomic(meta, yaml.safe_dump(digitisation_record(d), sort_keys=False, allow_unicode=True, width=110))
    return points, meta


def read_points(path: Path) -> pd.DataFrame:
    """Read a points.csv written by write_digitisation."""
    return pd.read_csv(path)
