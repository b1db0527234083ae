"""Digitising vector figures: points, series, axis and colour-bar calibration, and their errors, from SVG or PDF;
and importing points digitised by hand with WebPlotDigitizer into the same format.

The names below are imported from their modules when first used (the method version alone does not import the
digitiser's numerical stack).
"""

from __future__ import annotations

from ..lazy import lazy_names

_FROM = {"DigitiseError": "errors", "digitise_figure": "pipeline", "Digitisation": "result",
         "write_digitisation": "record", "import_wpd": "wpd"}

__getattr__ = lazy_names(__name__, _FROM)


__all__ = sorted(_FROM)
