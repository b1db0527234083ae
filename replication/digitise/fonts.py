"""Text widths from font metrics (matplotlib's font machinery), for SVG text whose extent the file does not give."""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=4096)
def text_width(text: str, size: float, family: str = "DejaVu Sans") -> float:
    """Advance width of ``text`` at ``size`` in the family (DejaVu Sans when the family is not installed)."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import text_to_path

    if not text:
        return 0.0
    props = FontProperties(family=_installed(family), size=size)
    width, _, _ = text_to_path.get_text_width_height_descent(text, props, ismath=False)
    return float(width)


@lru_cache(maxsize=64)
def _installed(family: str) -> str:
    """The installed family whose name matches ``family`` ignoring spaces and case, else DejaVu Sans."""
    from matplotlib.font_manager import fontManager

    want = family.replace(" ", "").lower()
    for entry in sorted({f.name for f in fontManager.ttflist}):
        if entry.replace(" ", "").lower() == want:
            return entry
    return "DejaVu Sans"
