"""Read a resolved file into a DataFrame and check it against its declared columns."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataError
from .formats import READERS
from .schema import DataFile


def read_frame(path: Path, spec: DataFile) -> pd.DataFrame:
    """Parse the file by its declared format; a parse failure names the file."""
    if spec.format == "digitised":
        from .digitised import read_digitised

        return read_digitised(path, spec)
    try:
        if spec.format in READERS:
            return READERS[spec.format](path, spec)
        if spec.format in ("csv", "csv.gz"):
            if spec.codes_verbatim:
                return pd.read_csv(path, header=spec.header_row, dtype=str, keep_default_na=False, na_values=[""])
            return pd.read_csv(path, header=spec.header_row)
        if spec.format == "jsonl":
            return pd.read_json(path, lines=True)
        if spec.format == "json_record":
            return _json_record(path)
        return pd.read_json(path)
    except DataError:
        raise
    except Exception as exc:
        raise DataError(path, None, f"cannot be parsed as {spec.format} ({exc})", "check the file is the upstream file") from None


def _json_record(path: Path) -> pd.DataFrame:
    """One JSON object as a one-row frame; nested objects become dotted column names (a.b.c)."""
    with open(path, encoding="utf-8") as fh:
        obj = json.load(fh)
    if not isinstance(obj, dict):
        raise DataError(path, None, f"expected one JSON object, found {type(obj).__name__}",
                        "use format json for a list of records")
    return pd.json_normalize(obj, sep=".")


def validate_frame(frame: pd.DataFrame, spec: DataFile, source: str) -> pd.DataFrame:
    """Check columns, types, positivity and duplicates; return the frame with declared types."""
    declared = [c.name for c in spec.columns]
    missing = [c for c in declared if c not in frame.columns]
    if missing:
        raise DataError(source, missing[0], f"missing column(s) {missing}", "use the upstream file, or correct the columns in dataset.yaml")
    extra = [c for c in frame.columns if c not in declared]
    if extra and spec.extra_columns == "error":
        raise DataError(
            source, str(extra[0]), f"unexpected column(s) {extra}", "declare them in dataset.yaml (or set extra_columns: ignore)"
        )
    out = frame.copy()
    for col in spec.columns:
        values = out[col.name]
        if values.isna().any() and not col.nullable:
            row = int(np.flatnonzero(values.isna().to_numpy())[0])
            raise DataError(source, col.name, f"empty value in data row {row + 1}", "fill it in or mark the column nullable")
        if col.dtype in ("float", "int"):
            numeric = pd.to_numeric(values, errors="coerce")
            bad = numeric.isna() & values.notna()
            if bad.any():
                row = int(np.flatnonzero(bad.to_numpy())[0])
                raise DataError(
                    source, col.name, f"non-numeric value {values.iloc[row]!r} in data row {row + 1}", "correct the value"
                )
            out[col.name] = numeric.astype(float)
            infinite = np.isinf(out[col.name].to_numpy())
            if infinite.any():
                row = int(np.flatnonzero(infinite)[0])
                raise DataError(source, col.name, f"infinite value {values.iloc[row]!r} in data row {row + 1}",
                                "correct the value (or drop the row in the replication script)")
            if col.positive:
                nonpos = out[col.name] <= 0
                if nonpos.any():
                    row = int(np.flatnonzero(nonpos.to_numpy())[0])
                    raise DataError(
                        source,
                        col.name,
                        f"non-positive value {out[col.name].iloc[row]!r} in data row {row + 1}, but the law takes its log",
                        "remove or correct the row",
                    )
    dup = out.duplicated(keep="first")
    if dup.any():
        if spec.duplicate_rows == "error":
            row = int(np.flatnonzero(dup.to_numpy())[0])
            raise DataError(
                source,
                None,
                f"{int(dup.sum())} duplicate row(s), first at data row {row + 1}",
                "remove them, or declare duplicate_rows: drop with a duplicate_note in dataset.yaml",
            )
        out = out[~dup].reset_index(drop=True)
    return out
