"""Datasets: provenance metadata, verified resolution of the bytes, and validated tables.

The names below are imported from their modules when first used, so that reading metadata (e.g. which papers are
out of date) does not import pandas.
"""

from __future__ import annotations

from importlib import import_module

_FROM = {"Dataset": "schema", "DataFile": "schema", "dataset_file": "schema", "load_dataset_meta": "schema",
         "load_table": "tables", "lookup": "join", "match_names": "join", "resolve_file": "resolve",
         "sha256_of": "resolve", "validate_frame": "validate"}


def __getattr__(name: str):
    if name in _FROM:
        return getattr(import_module(f".{_FROM[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = sorted(_FROM)
