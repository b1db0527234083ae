"""The two figures of a paper page that are drawn from its whole result, the claims forest and the specification
curve: drawn by the paper's own run, in its worker beside the other papers, so the report only copies them.

Both are drawn from the result as the report reads it (after its JSON round trip), so they are the same bytes the
report would draw; a result without this record (a failed run) has them drawn by the report itself.
"""

from __future__ import annotations

from pathlib import Path

from .figures import claims_forest_figure
from .spec_curve import spec_curve_figure

__all__ = ["KEY", "FOREST", "CURVE", "draw_page_figures"]

KEY = "page_figures"  # the result's record of them: {figure: file name or None (nothing to draw)}
FOREST, CURVE = "claims_forest", "spec_curve"


def _forest_title(paper: str) -> str:
    return f"{paper}: claimed against replicated"


def _curve_title(paper: str) -> str:
    return f"{paper}: specification curve"


def draw_page_figures(fig_dir: Path, r: dict) -> dict[str, str | None]:
    """Draw the claims forest and the specification curve of result ``r`` into ``fig_dir``; the files written."""
    forest = claims_forest_figure(Path(fig_dir) / f"{FOREST}.png", r.get("claims", []), title=_forest_title(r["paper"]))
    rec = r.get("sensitivity") if isinstance(r.get("sensitivity"), dict) else {}
    curve = None
    if rec.get("rows") or rec.get("note"):  # the robustness section is shown, with its curve
        curve = spec_curve_figure(Path(fig_dir) / f"{CURVE}.png", rec.get("rows", []), title=_curve_title(r["paper"]))
    return {FOREST: forest, CURVE: curve}
