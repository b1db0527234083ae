"""Import points digitised by hand with WebPlotDigitizer (its project JSON) into the digitiser's points format:
the axes calibration of the project, every dataset as a series, and each point's error from a pixel uncertainty
(the point's own click and the calibration clicks, through the calibration)."""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from .calibration import AxisCalibration, Tick
from .errors import DigitiseError
from .result import Digitisation

PIXEL_ERROR = 0.5  # default uncertainty of a click, in image pixels


def _num(value, path: Path, where: str) -> float:
    """A calibration value (WebPlotDigitizer stores them as text) as a float."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise DigitiseError(path, f"{where}: '{value}' is not a number", "recalibrate the axes in WebPlotDigitizer") from None
    if not math.isfinite(v):
        raise DigitiseError(path, f"{where}: '{value}' is not finite", "recalibrate the axes in WebPlotDigitizer")
    return v


def _axes(doc: dict, path: Path, name: str | None) -> dict:
    axes = [a for a in doc.get("axesColl", []) if a.get("type") == "XYAxes"]
    if name is not None:
        axes = [a for a in axes if a.get("name") == name]
    if not axes:
        raise DigitiseError(path, "no XY axes calibration in the project" + (f" named '{name}'" if name else ""),
                            "calibrate XY axes in WebPlotDigitizer and save the project again")
    if len(axes) > 1:
        raise DigitiseError(path, f"{len(axes)} XY axes in the project ({[a.get('name') for a in axes]})",
                            "name the axes to import")
    ax = axes[0]
    if len(ax.get("calibrationPoints", [])) != 4:
        raise DigitiseError(path, f"axes '{ax.get('name')}' have {len(ax.get('calibrationPoints', []))} calibration "
                            "points, 4 are needed (X1, X2, Y1, Y2)", "finish the calibration in WebPlotDigitizer")
    return ax


class _Map:
    """Pixel -> data through the four calibration clicks: pixel = origin + u * ex + v * ey, with u, v the values
    (their log10 on a log axis); skewed or rotated axes are handled."""

    def __init__(self, ax: dict, path: Path):
        pts = ax["calibrationPoints"]
        self.log_x, self.log_y = bool(ax.get("isLogX")), bool(ax.get("isLogY"))
        P = np.array([[_num(p["px"], path, f"calibration point {i + 1} px"), _num(p["py"], path, f"calibration point {i + 1} py")]
                      for i, p in enumerate(pts)])
        ux = [_num(pts[i]["dx"], path, f"calibration point X{i + 1} value") for i in (0, 1)]
        vy = [_num(pts[i]["dy"], path, f"calibration point Y{i - 1} value") for i in (2, 3)]
        for log, vals, axis in ((self.log_x, ux, "x"), (self.log_y, vy, "y")):
            if log and min(vals) <= 0:
                raise DigitiseError(path, f"the {axis} axis is logarithmic but a calibration value is {min(vals):g}",
                                    "use positive calibration values on a log axis")
        self.values = (ux, vy)
        self.u = [math.log10(v) if self.log_x else v for v in ux]
        self.v = [math.log10(v) if self.log_y else v for v in vy]
        if self.u[0] == self.u[1] or self.v[0] == self.v[1]:
            raise DigitiseError(path, "two calibration points of one axis have the same value",
                                "recalibrate with two different values per axis")
        self.P = P
        ex = (P[1] - P[0]) / (self.u[1] - self.u[0])
        ey = (P[3] - P[2]) / (self.v[1] - self.v[0])
        self.M = np.column_stack([ex, ey])
        if abs(np.linalg.det(self.M)) < 1e-12 * max(1.0, np.abs(self.M).max() ** 2):
            raise DigitiseError(path, "the x and y calibration lines are parallel", "recalibrate the axes")
        # X1 lies at (u1, v*) and Y1 at (u*, v1) for unknown v*, u*: solve P_X1 - P_Y1 = (u1 - u*) ex + (v* - v1) ey.
        du, dv = np.linalg.solve(self.M, P[0] - P[2])
        v_star = self.v[0] + dv
        self.origin = P[0] - self.u[0] * ex - v_star * ey

    def uv(self, px: np.ndarray, py: np.ndarray) -> np.ndarray:
        """(n, 2) axis coordinates (values or their log10) of pixels."""
        rel = np.column_stack([px, py]) - self.origin
        return np.linalg.solve(self.M, rel.T).T

    def errors(self, uv: np.ndarray, pixel_error: float) -> tuple[np.ndarray, np.ndarray]:
        """Data-unit errors of x and y: the point's click and the calibration clicks (interpolation weights)."""
        Minv = np.linalg.inv(self.M)
        gain = np.sqrt((Minv ** 2).sum(axis=1))  # axis units per pixel, along each axis
        out = []
        for k, (ends, log) in enumerate(((self.u, self.log_x), (self.v, self.log_y))):
            t = (uv[:, k] - ends[0]) / (ends[1] - ends[0])
            sigma = gain[k] * pixel_error * np.sqrt(1.0 + (1.0 - t) ** 2 + t ** 2)
            value = 10.0 ** uv[:, k] if log else uv[:, k]
            out.append(value * math.log(10.0) * sigma if log else sigma)
        return out[0], out[1]


def import_wpd(project: str | Path, axes: str | None = None, pixel_error: float = PIXEL_ERROR):
    """A Digitisation from a WebPlotDigitizer project JSON (every dataset on the chosen XY axes is a series)."""
    path = Path(project)
    try:
        raw = path.read_bytes()
        doc = json.loads(raw.decode("utf-8"))
    except FileNotFoundError:
        raise DigitiseError(path, "project file not found", "check the path") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DigitiseError(path, f"is not a WebPlotDigitizer project JSON ({exc})",
                            "export the project with File > Save Project (JSON)") from None
    if not isinstance(doc, dict):
        raise DigitiseError(path, "is not a WebPlotDigitizer project JSON (no top-level object)", "save the project again")
    ax = _axes(doc, path, axes)
    cal = _Map(ax, path)
    rows = []
    for ds in doc.get("datasetColl", []):
        if ds.get("axesName") not in (None, ax.get("name")):
            continue
        data = ds.get("data") or []
        if not data:
            continue
        px = np.array([_num(p.get("x"), path, f"dataset '{ds.get('name')}' point x") for p in data])
        py = np.array([_num(p.get("y"), path, f"dataset '{ds.get('name')}' point y") for p in data])
        uv = cal.uv(px, py)
        x_err, y_err = cal.errors(uv, pixel_error)
        xs = 10.0 ** uv[:, 0] if cal.log_x else uv[:, 0]
        ys = 10.0 ** uv[:, 1] if cal.log_y else uv[:, 1]
        name = str(ds.get("name") or "dataset")
        rows += [{"series": name, "x": float(a), "y": float(b), "x_err": float(c), "y_err": float(d),
                  "x_fig": float(e), "y_fig": float(f), "colour": ""}
                 for a, b, c, d, e, f in zip(xs, ys, x_err, y_err, px, py)]
    if not rows:
        raise DigitiseError(path, f"no digitised points on axes '{ax.get('name')}'",
                            "digitise points in WebPlotDigitizer and save the project")
    points = pd.DataFrame(rows).sort_values(["series", "x", "y"], kind="mergesort").reset_index(drop=True)

    def axis_cal(axis: str, k: int, ends: list[float], log: bool, idx: tuple[int, int]) -> AxisCalibration:
        pos = [float(cal.P[i][k]) for i in idx]
        slope = (ends[1] - ends[0]) / (pos[1] - pos[0]) if pos[1] != pos[0] else float("nan")
        ticks = tuple(Tick(position=p, value=v, label="", source="WebPlotDigitizer calibration")
                      for p, v in zip(pos, cal.values[0 if axis == "x" else 1]))
        return AxisCalibration(axis=axis, scale="log" if log else "linear", intercept=float(ends[0] - slope * pos[0]),
                               slope=float(slope), ticks=ticks, residual=0.0, source="WebPlotDigitizer",
                               notes=(f"pixel error {pixel_error:g} px per click",))

    x_cal = axis_cal("x", 0, cal.u, cal.log_x, (0, 1))
    y_cal = axis_cal("y", 1, cal.v, cal.log_y, (2, 3))
    box = (float(points["x_fig"].min()), float(points["y_fig"].min()), float(points["x_fig"].max()), float(points["y_fig"].max()))
    return Digitisation(points=points, figure=path.name, sha256=hashlib.sha256(raw).hexdigest(), page=1, panel=box,
                        x=x_cal, y=y_cal, colour_bar=None, legend_glyphs=0,
                        warnings=[f"imported from WebPlotDigitizer {doc.get('version')}; axes '{ax.get('name')}'"])
