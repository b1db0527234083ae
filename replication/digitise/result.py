"""What digitising one figure panel gives: its points and everything needed to say how they were obtained (shared
by the vector-figure pipeline and the WebPlotDigitizer import)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from .calibration import AxisCalibration
from .colorbar import ColourBar
from .fragments import FragmentReport


@dataclass
class Digitisation:
    """The points of one figure panel and everything needed to say how they were obtained."""

    points: pd.DataFrame
    figure: str
    sha256: str
    page: int
    panel: tuple[float, float, float, float]
    x: AxisCalibration
    y: AxisCalibration
    colour_bar: ColourBar | None
    legend_glyphs: int
    warnings: list[str] = field(default_factory=list)
    fragments: FragmentReport | None = None  # set when markers were recovered from flattened fragments
