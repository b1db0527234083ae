"""The fragment mode of the digitiser on synthetic flattened transparency: marker outlines cut into pieces by each
other, as a flattener writes them (Bezier arc pieces closed by straight cuts), with known centres."""

from __future__ import annotations

import numpy as np
import pytest

from replication.digitise.axes import Frame, select_frame
from replication.digitise.fragments import (arcs_of, base_colours, find_fragment_markers, fit_circle, is_flattened,
                                            radius_classes)
from replication.digitise.primitives import Page, Shape

R_IN, R_OUT, HALF = 2.0, 3.0, 2.5  # inner and outer edge of a circle marker's outline (edge width 1), half size
CORNER = (R_OUT - R_IN) / 2
BLUE, RED = "#bbd6e8", "#f3bebe"  # one matplotlib C0 / C3 marker at alpha 0.3 over white


def arc(c, r, t0, t1) -> np.ndarray:
    """Control points of the cubic Bezier approximating the circle arc from angle t0 to t1 (y down)."""
    k = 4 / 3 * np.tan((t1 - t0) / 4)
    p0 = c + r * np.array([np.cos(t0), np.sin(t0)])
    p3 = c + r * np.array([np.cos(t1), np.sin(t1)])
    p1 = p0 + k * r * np.array([-np.sin(t0), np.cos(t0)])
    p2 = p3 - k * r * np.array([-np.sin(t1), np.cos(t1)])
    return np.array([p0, p1, p2, p3])


def fragment(segments: list[np.ndarray], fill: str, order: int) -> Shape:
    """A fill-only fragment: its segments closed by a straight cut back to the start."""
    segs = list(segments)
    if np.hypot(*(segs[-1][-1] - segs[0][0])) > 1e-9:
        segs.append(np.array([segs[-1][-1], segs[0][0]]))
    pts = np.vstack([s[[0, -1]] for s in segs] + [np.vstack(segs)])
    return Shape(vertices=pts, closed=True, curved=True, fill=fill, stroke=None, order=order, segments=tuple(segs),
                 stated_fill=fill)


def cut(t0: float, t1: float, rng, pieces: int = 3) -> list[tuple[float, float]]:
    """An angle range cut at random places into pieces (where other markers' edges cross it)."""
    inner = np.sort(rng.uniform(t0, t1, pieces - 1))
    edges = np.r_[t0, inner, t1]
    return list(zip(edges[:-1], edges[1:]))


def circle_fragments(c, fill, rng, order) -> list[Shape]:
    """A transparent circle marker's outline pieces (each piece its own fragment) and its face."""
    out = []
    for r in (R_IN, R_OUT):
        for q in range(4):
            for t0, t1 in cut(q * np.pi / 2, (q + 1) * np.pi / 2, rng):
                out.append(fragment([arc(c, r, t0, t1)], fill, order + len(out)))
    face = [arc(c, R_IN, q * np.pi / 2, (q + 1) * np.pi / 2) for q in range(4)]
    out.append(fragment(face, fill, order + len(out)))
    return out


def polygon_fragments(c, corners: np.ndarray, fill, rng, order) -> list[Shape]:
    """A polygon marker's outer outline: edges offset by the half edge width, corners rounded with it, in pieces;
    and its face polygon."""
    out = []
    n = len(corners)
    for i in range(n):
        v, prev, nxt = corners[i], corners[i - 1], corners[(i + 1) % n]
        a_in = np.arctan2(*(v - prev)[::-1]) - np.pi / 2  # outward normals of the two edges at v (clockwise on screen)
        a_out = np.arctan2(*(nxt - v)[::-1]) - np.pi / 2
        while a_out < a_in:
            a_out += 2 * np.pi
        for t0, t1 in cut(a_in, a_out, rng, pieces=2):
            out.append(fragment([arc(v, CORNER, t0, t1), np.array([v + CORNER * np.array([np.cos(t1), np.sin(t1)]), v])],
                                fill, order + len(out)))
    face = [np.array([corners[i], corners[(i + 1) % n]]) for i in range(n)]
    out.append(Shape(vertices=np.asarray(corners), closed=True, curved=False, fill=fill, stroke=None,
                     order=order + len(out), segments=tuple(face), stated_fill=fill))
    return out


SQUARE = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]], dtype=float)  # clockwise on screen (y down)
TRI_UP = np.array([[0, -1], [1, 1], [-1, 1]], dtype=float)
TRI_DOWN = np.array([[0, 1], [-1, -1], [1, -1]], dtype=float)


def page_with_markers(rng):
    """A page whose plot holds circles (two overlapping), a square, a triangle of each direction, as fragments."""
    truth = [("circle", (20.0, 30.0), BLUE), ("circle", (21.7, 31.1), RED), ("circle", (60.0, 70.0), RED),
             ("square", (40.0, 50.0), BLUE), ("square", (41.3, 48.9), RED), ("triangle-up", (70.0, 20.0), BLUE),
             ("triangle-down", (30.0, 80.0), RED)]
    shapes = [Shape(vertices=np.array([[5, 5], [95, 5], [95, 95], [5, 95]], float), closed=True, curved=False,
                    fill="#ffffff", stroke=None)]
    for kind, c, fill in truth:
        c = np.array(c)
        if kind == "circle":
            shapes += circle_fragments(c, fill, rng, len(shapes))
        else:
            tpl = {"square": SQUARE, "triangle-up": TRI_UP, "triangle-down": TRI_DOWN}[kind]
            shapes += polygon_fragments(c, c + HALF * tpl, fill, rng, len(shapes))
    return Page(width=100, height=100, shapes=shapes), truth


def test_circle_fit_is_exact_on_a_bezier_arc():
    pts = np.array([[np.cos(t), np.sin(t)] for t in np.linspace(0, 1, 9)]) * 3 + [5, 7]
    assert fit_circle(pts) == pytest.approx((5, 7, 3), abs=1e-9)


def test_recovers_every_marker_centre_kind_and_colour():
    rng = np.random.default_rng(1)
    page, truth = page_with_markers(rng)
    frame = Frame((5, 5, 95, 95))
    assert is_flattened(page, frame)
    classes = [r for r, _ in radius_classes(arcs_of(page.shapes))]
    assert any(abs(r - CORNER) < 0.01 for r in classes) and any(abs(r - R_OUT) < 0.01 for r in classes)
    markers, report = find_fragment_markers(page, frame)
    assert report.half_size == pytest.approx(HALF, abs=1e-3)
    assert len(markers) == len(truth)
    for kind, c, fill in truth:
        near = [m for m in markers if np.hypot(m.x - c[0], m.y - c[1]) < 0.05]
        assert len(near) == 1, (kind, c)
        m = near[0]
        assert m.kind == kind
        assert np.hypot(m.x - c[0], m.y - c[1]) < 2e-3
        assert m.centre_err < 0.02
        assert m.fill == fill
        assert m.size == pytest.approx(2 * HALF, abs=0.01)


def test_a_missing_corner_means_no_polygon():
    rng = np.random.default_rng(2)
    c = np.array([50.0, 50.0])
    shapes = polygon_fragments(c, c + HALF * SQUARE, BLUE, rng, 0)
    corner_arcs = [s for s in shapes if any(len(g) == 4 for g in s.segments)]
    drop = {id(s) for s in corner_arcs if s.segments[0][0][0] < c[0] and s.segments[0][0][1] < c[1]}
    page = Page(width=100, height=100, shapes=[s for s in shapes if id(s) not in drop] * 3)
    markers, _ = find_fragment_markers(page, Frame((5, 5, 95, 95)))
    assert not [m for m in markers if m.kind == "square"]


def test_base_colours_leave_out_mixes():
    # a blue layer over a red one (and the reverse) over white: positive mixes of the two inks
    mix = "#d7a5ad"
    assert set(base_colours([BLUE, RED, mix])) == {BLUE, RED}


def test_panel_picks_the_plot_area_not_the_panel_background():
    def rect(x0, y0, x1, y1, fill="#ffffff"):
        return Shape(vertices=np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], float), closed=True, curved=False,
                     fill=fill, stroke=None)

    # two panels' backgrounds, each with its plot area inside (the right one is the one asked for)
    page = Page(width=400, height=150, shapes=[rect(0, 10, 170, 140), rect(40, 15, 165, 110),
                                               rect(200, 10, 370, 140), rect(240, 15, 365, 110)])
    from replication.digitise.axes import find_frames

    frame = select_frame(page, find_frames(page), (242, 15, 368, 111))
    assert frame.box == (240, 15, 365, 110)
    # a panel box matching nothing well is used as it is
    assert select_frame(page, find_frames(page), (100, 100, 120, 120)).box == (100, 100, 120, 120)
