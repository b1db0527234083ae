"""Declared table shapes (paper.yaml ``tables:``): a pivot with extra rows, and selected, renamed, rounded columns."""

from __future__ import annotations

import pandas as pd

from ..errors import DataError


def pivot_rows(frame: pd.DataFrame, pivot, where: str) -> pd.DataFrame:
    """One row per sorted value of pivot.index with the pivot.keep columns of its first row, then per value of
    pivot.columns one column per pivot.values entry ('<column value> <value name>'), and the extra rows."""
    for col in [pivot.index, pivot.columns, *pivot.keep, *pivot.values.values()]:
        if col not in frame.columns:
            raise DataError(where, col, "the pivot names a column the computed rows lack", f"use one of {list(frame.columns)}")
    found = list(dict.fromkeys(frame[pivot.columns]))
    blocks = pivot.order or sorted(found)
    unknown = sorted(set(pivot.order) - set(found))
    if unknown:
        raise DataError(where, "order", f"values {unknown} do not occur in column '{pivot.columns}'", f"use some of {found}")
    rows = []
    for key, sub in frame.groupby(pivot.index, sort=True):
        rec = {pivot.index: key, **{k: sub[k].iloc[0] for k in pivot.keep}}
        for block in blocks:
            m = sub[sub[pivot.columns] == block]
            if len(m):
                rec.update({f"{block} {name}": m[src].iloc[0] for name, src in pivot.values.items()})
        rows.append(rec)
    for extra in pivot.rows:
        at = [i for i, r in enumerate(rows) if str(r[pivot.index]) == str(extra.before)]
        if extra.before is not None and not at:
            raise DataError(where, "rows.before", f"no row has {pivot.index} = {extra.before!r}",
                            f"use one of {[r[pivot.index] for r in rows]}")
        rows.insert(at[0] if at else len(rows), dict(extra.values))
    return pd.DataFrame(rows)


def select_columns(frame: pd.DataFrame, columns: dict, where: str) -> pd.DataFrame:
    """The declared columns in order, each taken from a column of ``frame`` or a pandas expression on it, then
    rounded to decimals (round) or significant digits (significant), so a table's precision is declared."""
    out = {}
    for name, spec in columns.items():
        source = spec if isinstance(spec, str) else spec.source
        if source in frame.columns:
            values = frame[source]
        else:
            try:
                values = frame.eval(source)
            except Exception as exc:  # an unknown name or a bad expression: say which column and what exists
                raise DataError(where, name, f"source {source!r} is no column of the computed rows and no expression on "
                                f"them ({exc})", f"use one of {list(frame.columns)}") from None
        if not isinstance(spec, str) and spec.round is not None:
            values = values.map(lambda v, d=spec.round: round(float(v), d))
        elif not isinstance(spec, str) and spec.significant is not None:
            values = values.map(lambda v, d=spec.significant: float(f"{float(v):.{d}g}"))
        out[name] = values
    return pd.DataFrame(out, index=frame.index)


def shape_table(frame: pd.DataFrame, decl, where: str) -> pd.DataFrame:
    """A computed table in its declared shape (pivot first, then columns); unchanged when neither is declared."""
    if decl is None:
        return frame
    if decl.pivot is not None:
        frame = pivot_rows(frame, decl.pivot, f"{where}.pivot")
    return select_columns(frame, decl.columns, f"{where}.columns") if decl.columns else frame
