"""Digitising vector figures: points, series, axis and colour-bar calibration, and their errors, from SVG or PDF."""

from __future__ import annotations

from .errors import DigitiseError
from .pipeline import Digitisation, digitise_figure
from .record import write_digitisation

__all__ = ["DigitiseError", "Digitisation", "digitise_figure", "write_digitisation"]
