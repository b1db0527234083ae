"""Datasets: provenance metadata, verified resolution of the bytes, and validated tables."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .join import lookup, match_names
from .resolve import resolve_file, sha256_of
from .schema import Dataset, DataFile, load_dataset_meta
from .validate import read_frame, validate_frame


def load_table(dataset: str, key: str | None = None, mirror: Path | None = None) -> pd.DataFrame:
    """The validated table of one dataset file, resolved from the mirror or the download cache."""
    meta = load_dataset_meta(dataset)
    spec = meta.file(key)
    path = resolve_file(dataset, spec, mirror=mirror)
    return validate_frame(read_frame(path, spec), spec, str(path))


__all__ = ["Dataset", "DataFile", "load_dataset_meta", "load_table", "lookup", "match_names", "resolve_file", "sha256_of", "validate_frame"]
