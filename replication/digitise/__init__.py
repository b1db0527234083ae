"""Digitising vector figures: points, series, axis and colour-bar calibration, and their errors, from SVG or PDF;
and importing points digitised by hand with WebPlotDigitizer into the same format.

The names below are imported from their modules when first used (the method version alone does not import the
digitiser's numerical stack).
"""

from __future__ import annotations

from importlib import import_module

_FROM = {"DigitiseError": "errors", "digitise_figure": "pipeline", "Digitisation": "result",
         "write_digitisation": "record", "import_wpd": "wpd"}


def __getattr__(name: str):
    if name in _FROM:
        return getattr(import_module(f".{_FROM[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = sorted(_FROM)
