"""The digitiser on synthetic matplotlib figures (SVG and PDF) whose points are known."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from replication.digitise import DigitiseError, digitise_figure, write_digitisation
from replication.digitise.labels import parse_number
from replication.digitise.spec import DigitiseSpec

X = np.array([1e1, 3e1, 1e2, 3e2, 1e3])
SMALL, LARGE = 5 * X ** -0.3, 2 * X ** -0.2


def _save(fig, path):
    with plt.rc_context({"svg.fonttype": "none", "svg.hashsalt": "fixed", "pdf.fonttype": 42}):
        fig.savefig(path)
    plt.close(fig)
    return path


def loglog_figure(path):
    """Two series on log-log axes with a legend (whose glyphs must not become points)."""
    fig, ax = plt.subplots(figsize=(5, 4))
    ax.loglog(X, SMALL, "o", label="small", color="C0")
    ax.loglog(X, LARGE, "s", label="large", color="C1")
    ax.legend()
    return _save(fig, path)


def colourbar_figure(path):
    """Markers coloured by a value on a linear colour bar, linear axes."""
    fig, ax = plt.subplots(figsize=(5, 4))
    sc = ax.scatter([1, 2, 3, 4], [10, 20, 15, 5], c=[2.0, 2.5, 3.0, 3.5], cmap="viridis", vmin=2, vmax=4)
    fig.colorbar(sc)
    return _save(fig, path)


@pytest.mark.parametrize("ext", ["svg", "pdf"])
def test_loglog_series_and_legend(tmp_path, ext):
    d = digitise_figure(loglog_figure(tmp_path / f"a.{ext}"))
    pts = d.points
    assert d.x.scale == "log" and d.y.scale == "log"
    assert d.legend_glyphs == 2
    assert set(pts["series"]) == {"small", "large"}  # named by the legend
    assert pts.groupby("series").size().tolist() == [5, 5]
    for name, truth in [("small", SMALL), ("large", LARGE)]:
        series = pts[pts["series"] == name]
        np.testing.assert_allclose(series["x"].to_numpy(), X, rtol=1e-6)
        np.testing.assert_allclose(series["y"].to_numpy(), truth, rtol=1e-6)


@pytest.mark.parametrize("ext", ["svg", "pdf"])
def test_colour_bar_values_within_their_error(tmp_path, ext):
    d = digitise_figure(colourbar_figure(tmp_path / f"b.{ext}"))
    pts = d.points.sort_values("x")
    assert d.colour_bar is not None and d.colour_bar.calibration.scale == "linear"
    assert pts["series"].nunique() == 1  # the fill encodes the value, not the series
    truth = np.array([2.0, 2.5, 3.0, 3.5])
    np.testing.assert_allclose(pts["x"], [1, 2, 3, 4], rtol=1e-6)
    np.testing.assert_allclose(pts["y"], [10, 20, 15, 5], rtol=1e-6)
    err = np.abs(pts["value"].to_numpy() - truth)
    assert np.all(err <= pts["value_err"].to_numpy() + 1e-9)
    assert np.all(pts["value_err"] < 0.02)  # a 2-unit bar of a few hundred pixels: quantisation well under 1%


def test_log_colour_bar(tmp_path):
    from matplotlib.colors import LogNorm

    fig, ax = plt.subplots(figsize=(5, 4))
    sc = ax.scatter([1, 2, 3], [1, 2, 3], c=[2.0, 3.0, 4.5], cmap="magma", norm=LogNorm(vmin=1.5, vmax=6))
    fig.colorbar(sc)
    d = digitise_figure(_save(fig, tmp_path / "c.svg"))
    assert d.colour_bar.calibration.scale == "log"
    pts = d.points.sort_values("x")
    assert np.all(np.abs(pts["value"].to_numpy() - [2.0, 3.0, 4.5]) <= pts["value_err"].to_numpy() + 1e-9)


@pytest.mark.parametrize("ext", ["svg", "pdf"])
def test_same_figure_same_bytes(tmp_path, ext):
    fig = loglog_figure(tmp_path / f"a.{ext}")
    write_digitisation(digitise_figure(fig), tmp_path / "one")
    write_digitisation(digitise_figure(fig), tmp_path / "two")
    for name in ("points.csv", "digitisation.yaml"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()
    assert "sha256" in (tmp_path / "one" / "digitisation.yaml").read_text()
    header = (tmp_path / "one" / "points.csv").read_text().splitlines()[0]
    assert header == "series,x,y,x_err,y_err"


def test_no_markers_is_an_error_naming_the_figure(tmp_path):
    fig, ax = plt.subplots()
    ax.plot([1, 2, 3], [1, 4, 9], "-")
    path = _save(fig, tmp_path / "line.svg")
    with pytest.raises(DigitiseError, match=r"line\.svg: no markers found"):
        digitise_figure(path)


def test_no_axes_is_an_error(tmp_path):
    fig = plt.figure()
    fig.text(0.5, 0.5, "nothing plotted")
    path = _save(fig, tmp_path / "empty.svg")
    with pytest.raises(DigitiseError, match="no axes found.*Fix: give the plot area with --panel"):
        digitise_figure(path)


def test_text_as_outlines_needs_a_calibration(tmp_path):
    fig, ax = plt.subplots(figsize=(5, 4))
    ax.plot([1, 2, 3], [10, 20, 30], "o")
    ax.set_xlim(0, 4)
    ax.set_ylim(0, 40)
    path = tmp_path / "outlines.svg"
    with plt.rc_context({"svg.fonttype": "path", "svg.hashsalt": "fixed"}):
        fig.savefig(path)
    plt.close(fig)
    with pytest.raises(DigitiseError, match="text as outlines.*--calibration"):
        digitise_figure(path)
    # With the tick positions the figure puts at 0 and 4 (x), 0 and 40 (y), the points come out exactly.
    from replication.digitise.axes import find_frames
    from replication.digitise.svg import read_svg

    (frame,) = find_frames(read_svg(path))
    x0, y0, x1, y1 = frame.box
    spec = DigitiseSpec.model_validate({"x": {"ticks": [{"position": x0, "value": 0}, {"position": x1, "value": 4}]},
                                        "y": {"ticks": [{"position": y1, "value": 0}, {"position": y0, "value": 40}]}})
    pts = digitise_figure(path, spec=spec).points.sort_values("x")
    np.testing.assert_allclose(pts["x"], [1, 2, 3], atol=1e-6)
    np.testing.assert_allclose(pts["y"], [10, 20, 30], atol=1e-5)


def test_several_panels_need_a_choice(tmp_path):
    fig, (a, b) = plt.subplots(1, 2, figsize=(8, 4))
    a.plot([1, 2], [1, 2], "o")
    b.plot([1, 2], [3, 5], "^")
    path = _save(fig, tmp_path / "two.svg")
    with pytest.raises(DigitiseError, match="2 plot frames found"):
        digitise_figure(path)
    from replication.digitise.axes import find_frames
    from replication.digitise.svg import read_svg

    frames = sorted(find_frames(read_svg(path)), key=lambda f: f.box[0])
    right = digitise_figure(path, panel=frames[1].box).points
    assert right["series"].str.startswith("triangle-up").all()
    np.testing.assert_allclose(right["y"].sort_values(), [3, 5], atol=1e-6)


@pytest.mark.parametrize("text, value, power", [
    ("10^18", 1e18, True), ("1e+19", 1e19, True), ("100M", 1e8, True), ("40B", 4e10, True),
    ("6×10^−1", 0.6, True), ("−0.5", -0.5, False), ("2.00", 2.0, False), ("10⁻³", 1e-3, True), ("50%", 50.0, False),
])
def test_tick_label_numbers(text, value, power):
    got = parse_number(text)
    assert got is not None and got[0] == pytest.approx(value) and got[1] is power


@pytest.mark.parametrize("text", ["Gopher", "Training FLOPs", "", "1e", "B"])
def test_words_are_not_numbers(text):
    assert parse_number(text) is None


def test_command_line(tmp_path, capsys):
    from replication.cli import main

    fig = loglog_figure(tmp_path / "a.svg")
    assert main(["digitise", str(fig), "--out", str(tmp_path / "out")]) == 0
    pts = pd.read_csv(tmp_path / "out" / "points.csv")
    assert len(pts) == 10
    assert main(["digitise", str(fig), "--panel", "1,2,3", "--out", str(tmp_path / "bad")]) == 1
    assert "--panel '1,2,3' is not X0,Y0,X1,Y1" in capsys.readouterr().err
    bad = tmp_path / "cal.yaml"
    bad.write_text("x: {ticks: [{position: 1, value: 2}]}\n")
    assert main(["digitise", str(fig), "--calibration", str(bad), "--out", str(tmp_path / "bad")]) == 1
    err = capsys.readouterr().err
    assert "cal.yaml" in err and "x.ticks" in err
    assert not (tmp_path / "bad").exists()


def test_colour_bar_of_another_plot_is_not_read(tmp_path):
    fig, (a, b) = plt.subplots(1, 2, figsize=(8, 4))
    a.plot([1, 2, 3], [1, 2, 3], "o", color="C3", label="runs")
    im = b.imshow(np.arange(12.0).reshape(3, 4), cmap="viridis")
    fig.colorbar(im, ax=b)
    path = _save(fig, tmp_path / "two.svg")
    from replication.digitise.axes import find_frames
    from replication.digitise.svg import read_svg

    left = min(find_frames(read_svg(path)), key=lambda f: f.box[0])
    d = digitise_figure(path, panel=left.box)
    assert "value" not in d.points.columns and d.points["series"].nunique() == 1


@pytest.mark.parametrize("ext", ["svg", "pdf"])
def test_discrete_colour_bar_of_cells(tmp_path, ext):
    from matplotlib.colors import BoundaryNorm

    fig, ax = plt.subplots(figsize=(5, 4))
    norm = BoundaryNorm(np.linspace(0, 8, 9), 256)
    sc = ax.scatter([1, 2, 3, 4], [1, 2, 3, 4], c=[0.5, 2.5, 4.5, 7.5], cmap="viridis", norm=norm)
    fig.colorbar(sc)
    d = digitise_figure(_save(fig, tmp_path / f"cells.{ext}"))
    assert d.colour_bar.kind == "cells"
    pts = d.points.sort_values("x")
    # Each marker's colour is one cell of width 1: the value is that cell's middle, the error half its width.
    np.testing.assert_allclose(pts["value"], [0.5, 2.5, 4.5, 7.5], atol=1e-3)  # labels centred within 1e-3
    np.testing.assert_allclose(pts["value_err"], 0.5, atol=1e-3)


def test_a_figure_is_parsed_once_per_process_and_again_when_its_bytes_change(tmp_path):
    """Several point sets and calibrations read one figure: the second read reuses the parsed page, while a file
    rewritten with other content at the same path is parsed afresh."""
    from replication.digitise.pipeline import read_page

    path = loglog_figure(tmp_path / "a.svg")
    first = read_page(path)
    assert read_page(path) is first
    fig, ax = plt.subplots()
    ax.loglog([1, 10, 100], [3, 2, 1], "o")
    _save(fig, path)
    again = read_page(path)
    assert again is not first and len(again.shapes) != len(first.shapes)
