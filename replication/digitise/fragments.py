"""Markers from flattened transparency: recover the centres of transparent markers that a PDF stores as the many
fragments of their overlaps (as Illustrator or Ghostscript write them), from the curved pieces of the fragments'
boundaries.

Every fragment boundary is made of pieces of the original outlines. Circular outlines give Bezier arcs whose fitted
circles share the marker's centre; an outline drawn with round joins gives, at every corner of a polygon marker
(square, triangle), arcs of half the edge width centred on the corner itself. So: fit a circle to every curved
segment, find the radii that recur (outline radii, and the small corner radius), cluster the centres of arcs of an
outline radius into circle markers, cluster the centres of corner arcs into polygon corners and match the corners
to square and triangle templates of the marker size. A marker's colour is the stated fill of the lightest fragment
inside it (the one the fewest markers overlap); series come from the direction of that colour's ink
(1 - rgb), which stacking markers of one colour over white does not change. Overlaps blend colours, so one
marker's arcs come from fragments of several colours: arcs are pooled over colours and split by colour only at the
end.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage

from .axes import Frame
from .markers import Marker
from .primitives import Page, Shape, rgb_of

ARC_SAMPLES = 9
MIN_SPAN = np.radians(12.0)  # shorter arcs fix a radius too poorly to be classified
RADIUS_TOL = 0.06  # relative width of one radius class
CENTRE_TOL = 0.02  # arc centres of one marker agree to this fraction of the largest outline radius
MIN_CIRCLE_SPAN = np.radians(90.0)  # total arc a circle marker must show
CORNER_RATIO = 0.25  # a radius class below this fraction of the largest one is a rounded corner
OUTLINE_RATIO = 0.4  # at or above it, an outline of a circle marker

# Corners of polygon markers (x right, y down) in units of half the marker size, as matplotlib draws them.
TEMPLATES: dict[str, np.ndarray] = {
    "square": np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]], dtype=float),
    "triangle-up": np.array([[0, -1], [-1, 1], [1, 1]], dtype=float),
    "triangle-down": np.array([[0, 1], [-1, -1], [1, -1]], dtype=float),
    "triangle-left": np.array([[-1, 0], [1, -1], [1, 1]], dtype=float),
    "triangle-right": np.array([[1, 0], [-1, -1], [-1, 1]], dtype=float),
}


@dataclass(frozen=True)
class Arc:
    """A curved boundary segment and the circle fitted to it (figure units; span in radians)."""

    cx: float
    cy: float
    r: float
    span: float
    mid: tuple[float, float]


@dataclass(frozen=True)
class FragmentReport:
    """What the fragment finder saw: the radius classes, how many arcs, corners and markers of each kind."""

    fragments: int
    arcs: int
    outline_radii: tuple[float, ...]
    corner_radius: float | None
    corners: int
    half_size: float | None
    markers: dict[str, int]


def bezier(ctrl: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Points of a cubic Bezier (4, 2) at parameters t."""
    t = np.asarray(t, dtype=float)[:, None]
    p0, p1, p2, p3 = ctrl
    return (1 - t) ** 3 * p0 + 3 * (1 - t) ** 2 * t * p1 + 3 * (1 - t) * t ** 2 * p2 + t ** 3 * p3


def fit_circle(points: np.ndarray) -> tuple[float, float, float]:
    """Centre and radius of the algebraic (Kasa) least-squares circle through points (n, 2)."""
    x, y = points[:, 0], points[:, 1]
    a = np.c_[2 * x, 2 * y, np.ones(len(x))]
    sol, *_ = np.linalg.lstsq(a, x * x + y * y, rcond=None)
    cx, cy = float(sol[0]), float(sol[1])
    return cx, cy, float(np.sqrt(max(sol[2] + cx * cx + cy * cy, 0.0)))


def arcs_of(shapes: list[Shape]) -> list[Arc]:
    """One fitted circle per curved segment that bends enough to fix it (span at least MIN_SPAN)."""
    out = []
    t = np.linspace(0.0, 1.0, ARC_SAMPLES)
    for s in shapes:
        for seg in s.segments:
            if len(seg) != 4:
                continue
            pts = bezier(seg, t)
            length = float(np.sum(np.hypot(*np.diff(pts, axis=0).T)))
            if length <= 0:
                continue
            cx, cy, r = fit_circle(pts)
            if not np.isfinite(r) or r <= 0 or length / r < MIN_SPAN:
                continue
            mid = pts[ARC_SAMPLES // 2]
            out.append(Arc(cx, cy, r, length / r, (float(mid[0]), float(mid[1]))))
    return out


def radius_classes(arcs: list[Arc]) -> list[tuple[float, float]]:
    """Radii that recur, with their total span: arcs grouped by radius (within RADIUS_TOL), groups showing at least
    a whole circle's worth of arc; each class's radius is its span-weighted mean."""
    if not arcs:
        return []
    order = sorted(arcs, key=lambda a: a.r)
    groups: list[list[Arc]] = [[order[0]]]
    for a in order[1:]:
        if a.r - groups[-1][-1].r <= RADIUS_TOL * groups[-1][-1].r * 0.5:
            groups[-1].append(a)
        else:
            groups.append([a])
    out = []
    for g in groups:
        span = np.array([a.span for a in g])
        if span.sum() >= 2 * np.pi:
            out.append((float(np.average([a.r for a in g], weights=span)), float(span.sum())))
    return sorted(out)


def _centre_at(a: Arc, radius: float) -> np.ndarray:
    """The arc's centre for a known radius: from its midpoint, that far towards its fitted centre."""
    m = np.array(a.mid)
    d = np.array([a.cx, a.cy]) - m
    n = np.hypot(*d)
    return m + d / n * radius if n > 0 else np.array([a.cx, a.cy])


def _clusters(points: np.ndarray, tol: float) -> np.ndarray:
    """Cluster labels: points whose complete-linkage distance is within tol share one."""
    if len(points) == 1:
        return np.array([1])
    return fcluster(linkage(points, method="complete"), t=tol, criterion="distance")


def _grouped(arcs: list[Arc], radii: list[float], tol: float) -> list[tuple[np.ndarray, float, float]]:
    """Arcs of the given radii, centred with their class radius and clustered: (centre, spread, total span)."""
    chosen, centres = [], []
    for a in arcs:
        near = [r for r in radii if abs(a.r - r) <= RADIUS_TOL * r]
        if near:
            chosen.append(a)
            centres.append(_centre_at(a, min(near, key=lambda r: abs(a.r - r))))
    if not chosen:
        return []
    c = np.array(centres)
    w = np.array([a.span for a in chosen])
    labels = _clusters(c, tol)
    out = []
    for k in np.unique(labels):
        sel = labels == k
        centre = np.average(c[sel], axis=0, weights=w[sel])
        spread = float(np.sqrt(np.average(np.sum((c[sel] - centre) ** 2, axis=1), weights=w[sel])))
        out.append((centre, spread, float(w[sel].sum())))
    return out


def _half_size(corners: np.ndarray, tol: float) -> float | None:
    """Half the marker size: half the most common horizontal distance between corners at one height (a square's
    side, a triangle's base)."""
    d = []
    for i in range(len(corners)):
        dx = corners[:, 0] - corners[i, 0]
        dy = np.abs(corners[:, 1] - corners[i, 1])
        d.extend(dx[(dx > 4 * tol) & (dy < tol)].tolist())
    if not d:
        return None
    d = np.sort(np.array(d))
    counts = [int(np.sum(np.abs(d - v) <= tol)) for v in d]
    best = d[int(np.argmax(counts))]
    return float(np.mean(d[np.abs(d - best) <= tol])) / 2


def match_polygons(corners: np.ndarray, spreads: np.ndarray, half: float, tol: float) -> list[tuple[str, np.ndarray, float]]:
    """Square and triangle markers whose every corner was found: (kind, centre, centre spread)."""
    found: list[tuple[str, np.ndarray, float]] = []
    for kind, tpl in TEMPLATES.items():
        offsets = tpl * half
        for v in corners:
            for role in range(len(tpl)):
                centre = v - offsets[role]
                idx = []
                for off in offsets:
                    dist = np.hypot(*(corners - (centre + off)).T)
                    j = int(np.argmin(dist))
                    if dist[j] > tol:
                        break
                    idx.append(j)
                else:
                    est = corners[idx] - offsets
                    c = est.mean(axis=0)
                    if any(k == kind and np.hypot(*(c - fc)) < tol for k, fc, _ in found):
                        continue
                    spread = float(np.sqrt(np.mean(np.sum((est - c) ** 2, axis=1)) + np.mean(spreads[idx] ** 2)))
                    found.append((kind, c, spread))
    return found


def _polygon(shape: Shape, per_curve: int = 8) -> list[np.ndarray]:
    """A fragment's outline as closed rings of vertices (curves sampled), for point-in-fragment tests."""
    rings: list[list[np.ndarray]] = []
    prev = None
    for seg in shape.segments:
        if prev is None or np.hypot(*(seg[0] - prev)) > 1e-9:
            rings.append([seg[0]])
        pts = bezier(seg, np.linspace(0, 1, per_curve + 1)[1:]) if len(seg) == 4 else seg[1:]
        rings[-1].extend(pts)
        prev = seg[-1]
    if not rings:
        rings = [list(shape.vertices)]
    return [np.asarray(r) for r in rings]


def _inside(point: np.ndarray, rings: list[np.ndarray]) -> bool:
    """Even-odd test of a point against closed rings."""
    x, y = point
    inside = False
    for ring in rings:
        a, b = ring, np.roll(ring, -1, axis=0)
        cross = (a[:, 1] > y) != (b[:, 1] > y)
        with np.errstate(divide="ignore", invalid="ignore"):
            xs = a[:, 0] + (y - a[:, 1]) * (b[:, 0] - a[:, 0]) / (b[:, 1] - a[:, 1])
        inside ^= bool(np.sum(cross & (x < xs)) % 2)
    return inside


class _Lookup:
    """Which fragment (its stated fill) covers a point."""

    def __init__(self, shapes: list[Shape]):
        self.shapes = shapes
        self.boxes = np.array([s.bbox for s in shapes]) if shapes else np.zeros((0, 4))
        self.rings: dict[int, list[np.ndarray]] = {}

    def fill_at(self, p: np.ndarray) -> str | None:
        b = self.boxes
        hits = np.nonzero((b[:, 0] <= p[0]) & (p[0] <= b[:, 2]) & (b[:, 1] <= p[1]) & (p[1] <= b[:, 3]))[0]
        for i in hits[::-1]:  # the last drawn is on top
            if i not in self.rings:
                self.rings[i] = _polygon(self.shapes[i])
            if _inside(p, self.rings[i]):
                s = self.shapes[i]
                return s.stated_fill or s.fill
        return None


def _samples(kind: str, centre: np.ndarray, half: float) -> np.ndarray:
    """Points inside a marker where its colour is read."""
    if kind == "circle":
        ang = np.linspace(0, 2 * np.pi, 16, endpoint=False)
        return np.vstack([centre + f * half * np.c_[np.cos(ang), np.sin(ang)] for f in (0.25, 0.55, 0.8)]
                         + [centre[None, :]])
    tpl = TEMPLATES[kind]
    pts = np.vstack([tpl, (tpl + np.roll(tpl, -1, axis=0)) / 2])
    cen = tpl.mean(axis=0)
    return np.vstack([centre + half * (cen + f * (pts - cen)) for f in (0.25, 0.5, 0.75)] + [centre + half * cen])


def _ink(colour: str) -> np.ndarray:
    """1 - rgb (0..1): what a layer over white adds; stacking one colour only scales it."""
    return 1.0 - rgb_of(colour) / 255.0


def _direction(colour: str) -> np.ndarray | None:
    """Unit ink direction of a colour; None for white."""
    ink = _ink(colour)
    n = float(np.linalg.norm(ink))
    return ink / n if n > 1e-9 else None


def base_colours(colours: list[str], cos_tol: float = 0.995, mix_tol: float = 0.01) -> list[str]:
    """The colours no two others mix: colours grouped by ink direction (cosine within cos_tol, each group named by
    its lightest member), less the groups whose direction is a positive mix of two other groups' (each weight at
    least 0.1, residual within mix_tol), as one transparent marker over another makes."""
    from scipy.optimize import nnls

    groups: list[tuple[np.ndarray, str]] = []
    for c in sorted(set(colours), key=lambda c: (float(np.linalg.norm(_ink(c))), c)):
        d = _direction(c)
        if d is not None and not any(float(d @ g) >= cos_tol for g, _ in groups):
            groups.append((d, c))
    keep = []
    for i, (d, name) in enumerate(groups):
        others = [g for j, (g, _) in enumerate(groups) if j != i]
        mixed = False
        for a in range(len(others)):
            for b in range(a + 1, len(others)):
                w, res = nnls(np.c_[others[a], others[b]], d)
                if res <= mix_tol and min(w) >= 0.1 * max(w):
                    mixed = True
                    break
            if mixed:
                break
        if not mixed:
            keep.append(name)
    return keep


def _covers(kind: str, centre: np.ndarray, half: float, points: np.ndarray, margin: float) -> np.ndarray:
    """Which points lie inside a marker grown by margin (its edge's outer half)."""
    if kind == "circle":
        return np.hypot(*(points - centre).T) <= half + margin
    ring = centre + TEMPLATES[kind] * (half + margin)
    return np.array([_inside(p, [ring]) for p in points])


def _mix_residual(ink: np.ndarray, layers: list[str]) -> float:
    """How far an ink is from a positive mix of the single-layer inks of the given colours (NNLS residual)."""
    from scipy.optimize import nnls

    return float(nnls(np.column_stack([_ink(c) for c in layers]), ink)[1])


def marker_colours(found: list[tuple[str, np.ndarray, float]], samples: list[list[tuple[np.ndarray, str]]],
                   margin: float, cos_tol: float = 0.995) -> list[str | None]:
    """Each marker's series colour, one of the base colours (see base_colours; from every marker's lightest
    sample). A marker with a sample no other found marker covers takes the base nearest its colour's ink
    direction; then, repeatedly, a marker whose least-covered sample is covered only by markers already named
    takes the base that, with theirs, best explains that sample's ink (under transparency a region's ink is a
    positive mix of the single-layer inks of the markers over it); a marker never so resolved takes the base its
    samples match best by direction."""
    lightest = [min((c for _, c in s), key=lambda c: (float(np.linalg.norm(_ink(c))), c)) for s in samples if s]
    bases = base_colours(lightest, cos_tol)
    if not bases:
        return [None] * len(found)
    dirs = {b: _direction(b) for b in bases}
    cover: list[list[list[int]]] = []  # per marker, per sample: the other markers over it
    for i, s in enumerate(samples):
        pts = np.array([p for p, _ in s]) if s else np.zeros((0, 2))
        over = [np.nonzero(_covers(k, c, h, pts, margin))[0] if len(pts) else [] for k, c, h in found]
        cover.append([[j for j in range(len(found)) if j != i and n in over[j]] for n in range(len(pts))])

    def nearest(colour: str) -> str:
        d = _direction(colour)
        return max(bases, key=lambda b: float(d @ dirs[b])) if d is not None else bases[0]

    out: list[str | None] = [None] * len(found)
    for i, s in enumerate(samples):
        free = [c for (_, c), cov in zip(s, cover[i]) if not cov]
        if free:
            out[i] = nearest(min(free, key=lambda c: (float(np.linalg.norm(_ink(c))), c)))
    changed = True
    while changed:
        changed = False
        for i, s in enumerate(samples):
            if out[i] is not None or not s:
                continue
            ready = [(len(cov), n) for n, cov in enumerate(cover[i]) if all(out[j] is not None for j in cov)]
            if not ready:
                continue
            _, n = min(ready)
            others = [out[j] for j in cover[i][n]]
            ink = _ink(s[n][1])
            out[i] = min(bases, key=lambda b: (_mix_residual(ink, [b, *others]), b))
            changed = True
    for i, s in enumerate(samples):
        if out[i] is None and s:
            out[i] = max(bases, key=lambda b: max(float((_direction(c) if _direction(c) is not None else 0 * dirs[b])
                                                        @ dirs[b]) for _, c in s))
    return out


def is_flattened(page: Page, frame: Frame) -> bool:
    """Whether the frame's markers look like flattened transparency: at least 20 small fill-only shapes there,
    most of whose outlines mix straight and curved segments (whole markers are all curves or all lines)."""
    cands = _fragments(page, frame)
    mixed = [s for s in cands if {len(g) for g in s.segments} == {2, 4}]
    return len(cands) >= 20 and len(mixed) >= 0.5 * len(cands)


def _fragments(page: Page, frame: Frame) -> list[Shape]:
    """Small fill-only shapes with kept segments whose centre is inside the frame."""
    limit = 0.08 * min(frame.width, frame.height)
    return [s for s in page.shapes if s.segments and s.fill is not None and s.stroke is None and 0 < s.size <= limit
            and frame.contains(*s.centre)]


def find_fragment_markers(page: Page, frame: Frame) -> tuple[list[Marker], FragmentReport]:
    """Markers recovered from the frame's fragments (circles from outline arcs, squares and triangles from their
    rounded corners), each with its centre spread as centre_err and its series colour as fill."""
    shapes = _fragments(page, frame)
    arcs = arcs_of(shapes)
    classes = radius_classes(arcs)
    empty = FragmentReport(len(shapes), len(arcs), (), None, 0, None, {})
    if not classes:
        return [], empty
    r_max = classes[-1][0]
    outline = [r for r, _ in classes if r >= OUTLINE_RATIO * r_max]
    # The corner radius: the small class with the most arc (tiny pieces of other curves make classes of their own).
    small = sorted((span, r) for r, span in classes if r < CORNER_RATIO * r_max)
    corner_r = [small[-1][1]] if small else []
    tol = CENTRE_TOL * r_max
    found: list[tuple[str, np.ndarray, float, float]] = []  # kind, centre, spread, half size
    for centre, spread, span in _grouped(arcs, outline, tol):
        if span >= MIN_CIRCLE_SPAN:
            found.append(("circle", centre, spread, float(np.mean(outline))))
    corners = _grouped(arcs, corner_r[:1], tol) if corner_r else []
    half = None
    if corners:
        pts = np.array([c for c, _, _ in corners])
        spreads = np.array([s for _, s, _ in corners])
        half = _half_size(pts, 3 * tol)
        if half is not None:
            for kind, centre, spread in match_polygons(pts, spreads, half, 3 * tol):
                found.append((kind, centre, spread, half))
    lookup = _Lookup(shapes)
    samples = []
    for kind, centre, _, h in found:
        pts = _samples(kind, centre, h)
        samples.append([(p, f) for p, f in zip(pts, (lookup.fill_at(p) for p in pts)) if f])
    margin = corner_r[0] if corner_r else (outline[-1] - outline[0]) / 2 if len(outline) > 1 else 0.0
    series = marker_colours([(k, c, h) for k, c, _, h in found], samples, margin)
    markers = [Marker(x=float(c[0]), y=float(c[1]), fill=col, stroke=None, kind=kind, size=float(2 * h),
                      centre_err=float(spread), order=i)
               for i, ((kind, c, spread, h), col) in enumerate(zip(found, series))]
    kinds: dict[str, int] = {}
    for m in markers:
        kinds[m.kind] = kinds.get(m.kind, 0) + 1
    report = FragmentReport(len(shapes), len(arcs), tuple(outline), corner_r[0] if corner_r else None,
                            len(corners), half, dict(sorted(kinds.items())))
    return markers, report


__all__ = ["Arc", "FragmentReport", "arcs_of", "find_fragment_markers", "fit_circle", "is_flattened",
           "marker_colours", "match_polygons", "radius_classes"]
