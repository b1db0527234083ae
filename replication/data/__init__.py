"""Datasets: provenance metadata, verified resolution of the bytes, and validated tables.

The names below are imported from their modules when first used, so that reading metadata (e.g. which papers are
out of date) does not import pandas.
"""

from __future__ import annotations

from ..lazy import lazy_names

_FROM = {"Dataset": "schema", "DataFile": "schema", "dataset_file": "schema", "load_dataset_meta": "schema",
         "load_table": "tables", "lookup": "join", "match_names": "join", "resolve_file": "resolve",
         "sha256_of": "resolve", "validate_frame": "validate"}

__getattr__ = lazy_names(__name__, _FROM)


__all__ = sorted(_FROM)
