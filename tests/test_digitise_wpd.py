"""WebPlotDigitizer project import: calibration (linear, log, rotated), series, pixel errors, bad input."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from replication.digitise import DigitiseError, digitise_figure, import_wpd, write_digitisation

TRUE = {"small": [(1.0, 3.0), (4.0, 30.0), (9.0, 300.0)], "large": [(2.0, 10.0), (7.0, 100.0)]}


def _pixel(x, y, angle=0.0):
    """Pixel of a data point: x linear 0..10 over px 100..700, y log 1..1000 over py 500..100, then rotated."""
    px, py = 100 + 60 * x, 500 - 400 * math.log10(y) / 3
    c, s = math.cos(angle), math.sin(angle)
    return 400 + c * (px - 400) - s * (py - 300), 300 + s * (px - 400) + c * (py - 300)


def project(angle=0.0, **axes_over):
    cal = [(0.0, 1.0, "0", None), (10.0, 1.0, "10", None), (0.0, 1.0, None, "1"), (0.0, 1000.0, None, "1000")]
    points = []
    for x, y, dx, dy in cal:
        px, py = _pixel(x, y, angle)
        points.append({"px": px, "py": py, "dx": dx if dx is not None else "0", "dy": dy if dy is not None else "0",
                       "dz": None})
    axes = {"name": "XY", "type": "XYAxes", "isLogX": False, "isLogY": True, "noRotation": False,
            "calibrationPoints": points, **axes_over}
    data = [{"name": name, "axesName": "XY", "colorRGB": [200, 0, 0, 255], "metadataKeys": [],
             "data": [dict(zip(("x", "y"), _pixel(x, y, angle)), value=[x, y]) for x, y in pts]}
            for name, pts in TRUE.items()]
    return {"version": [4, 2], "axesColl": [axes], "datasetColl": data, "measurementColl": []}


def _write(tmp_path, doc, name="wpd.json"):
    path = tmp_path / name
    path.write_text(json.dumps(doc))
    return path


@pytest.mark.parametrize("angle", [0.0, math.radians(4.0)])
def test_points_come_back_in_data_units(tmp_path, angle):
    d = import_wpd(_write(tmp_path, project(angle)))
    assert d.x.scale == "linear" and d.y.scale == "log" and d.x.source == "WebPlotDigitizer"
    for name, pts in TRUE.items():
        got = d.points[d.points["series"] == name].sort_values("x")
        np.testing.assert_allclose(got["x"], [p[0] for p in pts], rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(got["y"], [p[1] for p in pts], rtol=1e-9)


def test_pixel_errors_through_the_calibration(tmp_path):
    d = import_wpd(_write(tmp_path, project()), pixel_error=1.0)
    p = d.points[(d.points["series"] == "small")].sort_values("x").iloc[0]  # x = 1: t = 0.1 along the x calibration
    gain_x = 10 / 600  # data units per pixel
    assert p["x_err"] == pytest.approx(gain_x * math.sqrt(1 + 0.9 ** 2 + 0.1 ** 2))
    t = math.log10(3.0) / 3
    assert p["y_err"] == pytest.approx(3.0 * math.log(10) * (3 / 400) * math.sqrt(1 + (1 - t) ** 2 + t ** 2))


def test_same_format_as_the_digitiser(tmp_path):
    path = _write(tmp_path, project())
    d = digitise_figure(path)  # .json goes to the importer
    write_digitisation(d, tmp_path / "out")
    header = (tmp_path / "out" / "points.csv").read_text().splitlines()[0]
    assert header == "series,x,y,x_err,y_err"
    assert "WebPlotDigitizer" in (tmp_path / "out" / "digitisation.yaml").read_text()


def test_bad_projects_name_the_file_and_the_problem(tmp_path):
    not_json = tmp_path / "x.json"
    not_json.write_text("{nope")
    with pytest.raises(DigitiseError, match=r"x\.json: is not a WebPlotDigitizer project JSON"):
        import_wpd(not_json)
    doc = project()
    doc["axesColl"][0]["calibrationPoints"] = doc["axesColl"][0]["calibrationPoints"][:3]
    with pytest.raises(DigitiseError, match="3 calibration points, 4 are needed"):
        import_wpd(_write(tmp_path, doc, "three.json"))
    doc = project()
    doc["axesColl"][0]["calibrationPoints"][2]["dy"] = "-1"
    with pytest.raises(DigitiseError, match="logarithmic but a calibration value is -1"):
        import_wpd(_write(tmp_path, doc, "neg.json"))
    doc = project()
    doc["datasetColl"] = []
    with pytest.raises(DigitiseError, match="no digitised points"):
        import_wpd(_write(tmp_path, doc, "empty.json"))
