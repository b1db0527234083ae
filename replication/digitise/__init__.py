"""Digitising vector figures: points, series, axis and colour-bar calibration, and their errors, from SVG or PDF;
and importing points digitised by hand with WebPlotDigitizer into the same format."""

from __future__ import annotations

from .errors import DigitiseError
from .pipeline import digitise_figure
from .result import Digitisation
from .record import write_digitisation
from .wpd import import_wpd

__all__ = ["DigitiseError", "Digitisation", "digitise_figure", "import_wpd", "write_digitisation"]
