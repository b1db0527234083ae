"""Datasets whose points are digitised from a pinned figure file: the record's `digitise` spec is validated and the
figure (already resolved and checked by sha256) is digitised into the points table. Points someone else read off a
figure get this suite's per-point errors by matching them to its digitisation of the same figure by position."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from ..caches import forget_between_papers
from ..errors import DataError
from .digitised_columns import DIGITISED_COLUMNS, ERR_SUFFIX
from .resolve import resolve_file
from .schema import DataFile, ErrorsFrom, dataset_file



def read_digitised(path: Path, spec: DataFile) -> pd.DataFrame:
    """The digitised points of the figure at ``path`` by the record's spec (series, x, y, [value], errors)."""
    points = _digitised(path, spec).points
    return points[[c for c in DIGITISED_COLUMNS if c in points.columns]].reset_index(drop=True)


def _digitised(path: Path, spec: DataFile):
    """The digitisation record of the figure at ``path`` by the record's validated spec."""
    from ..digitise import digitise_figure
    from ..digitise.spec import DigitiseSpec
    from pydantic import ValidationError

    try:
        dspec = DigitiseSpec.model_validate(spec.digitise or {})
    except ValidationError as exc:
        err = exc.errors()[0]
        field = "digitise." + ".".join(str(p) for p in err["loc"])
        raise DataError(f"dataset record of file '{spec.key}'", field, err["msg"],
                        "see the spec in replication/digitise/spec.py") from None
    return digitise_figure(path, spec=dspec)


def match_positions(a: np.ndarray, b: np.ndarray, tol: float) -> tuple[np.ndarray, np.ndarray]:
    """Indices (ia, ib) of mutually nearest points of two (n, 2) position sets closer than ``tol``."""
    if len(a) == 0 or len(b) == 0:
        return np.array([], dtype=int), np.array([], dtype=int)
    da, ia = cKDTree(b).query(a)
    db, ib = cKDTree(a).query(b)
    pairs = [(i, j) for i, (d, j) in enumerate(zip(da, ia)) if d < tol and ib[j] == i]
    if not pairs:
        return np.array([], dtype=int), np.array([], dtype=int)
    left, right = map(np.array, zip(*pairs))
    return left, right


@lru_cache(maxsize=4)
def _points_with_positions(dataset: str, key: str, sha256: str) -> pd.DataFrame:
    """Every digitised point of a file of format digitised with its figure position (x_fig, y_fig); digitised once
    per process and file (the sha256 keys the figure's bytes)."""
    spec = dataset_file(dataset, key)
    if spec.format != "digitised":
        raise DataError(f"datasets/{dataset}/dataset.yaml", f"files ({key}).format",
                        f"errors_from names file '{key}' of format {spec.format}", "name a file of format digitised")
    return _digitised(resolve_file(dataset, spec), spec).points


forget_between_papers(_points_with_positions.cache_clear)


def matched_errors(frame: pd.DataFrame, source: ErrorsFrom, where: str) -> pd.DataFrame:
    """``frame`` with a column ``<c>_err`` for each column c of ``source.columns``: the error of the digitised point
    at the same figure position, as the same share of the value (NaN where no digitised point matches)."""
    missing = [c for c in list(source.position) + list(source.columns) if c not in frame.columns]
    if missing:
        raise DataError(where, f"errors_from: {missing[0]}", "the file has no such column", f"use one of {list(frame.columns)}")
    spec = dataset_file(source.dataset, source.file)
    ours = _points_with_positions(source.dataset, spec.key, spec.sha256)
    absent = [c for c in source.columns.values() if c + ERR_SUFFIX not in ours.columns]
    if absent:
        raise DataError(where, f"errors_from.columns: {absent[0]}", "the digitisation records no error for it",
                        "name x, y or value (the columns with x_err, y_err, value_err)")
    ib, ia = match_positions(frame[list(source.position)].to_numpy(float), ours[["x_fig", "y_fig"]].to_numpy(float),
                             source.tolerance)
    out = frame.copy()
    for col, theirs in source.columns.items():
        share = np.full(len(frame), np.nan)
        share[ib] = ours[theirs + ERR_SUFFIX].to_numpy(float)[ia] / np.abs(ours[theirs].to_numpy(float)[ia])
        out[col + ERR_SUFFIX] = share * np.abs(frame[col].to_numpy(float))
    return out
