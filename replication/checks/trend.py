"""Least-squares lines with Pearson's r, per group: the descriptive trend tests papers report beside their law fits.

A paper may summarise a relation by the slope of a straight line and the correlation of its two variables (for
example accuracy against log frequency, per model and per downstream dataset). ``lines`` computes that with
``scipy.stats.linregress`` for every group of a table, so no replication script does its own regression.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import DataError


def lines(frame: pd.DataFrame, by: Sequence[str], x: str, y: str, *, min_size: int = 2,
          source: str = "lines") -> pd.DataFrame:
    """One row per group of ``frame`` (sorted by ``by``) with at least ``min_size`` rows: the group keys, n, and the
    least-squares line of ``y`` on ``x`` (slope, intercept) with Pearson's r and its two-sided p-value."""
    missing = [c for c in [*by, x, y] if c not in frame.columns]
    if missing:
        raise DataError(source, missing[0], "the line names a column the table lacks", f"use one of {list(frame.columns)}")
    rows = []
    for key, group in frame.groupby(list(by), sort=True):
        if len(group) < max(min_size, 2):
            continue
        fit = stats.linregress(group[x], group[y])
        key = key if isinstance(key, tuple) else (key,)
        rows.append(dict(zip(by, key), n=len(group), slope=fit.slope, intercept=fit.intercept, r=fit.rvalue, p=fit.pvalue))
    return pd.DataFrame(rows, columns=[*by, "n", "slope", "intercept", "r", "p"])


def binned_means(frame: pd.DataFrame, by: Sequence[str], x: str, y: str, *, base: float = 2.0,
                 min_size: int = 1) -> pd.DataFrame:
    """Mean of ``y`` per group and logarithmic bin of ``x`` (bin k holds x in [base^k, base^(k+1))), keeping bins
    with at least ``min_size`` rows: the group keys, bin, mean, size and log10_centre (log10 of base^(k + 1/2))."""
    k = np.floor(np.log2(frame[x]) / np.log2(base)).astype(int).rename("bin")  # exact octaves for base 2
    out = frame.groupby([*by, k])[y].agg(["mean", "size"]).reset_index()
    out = out[out["size"] >= min_size]
    return out.assign(log10_centre=np.log10(base ** (out["bin"] + 0.5)))
