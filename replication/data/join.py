"""A many-to-one join that must match every row: a lookup table (such as counts per concept) attached to points."""

from __future__ import annotations

import pandas as pd

from ..errors import DataError


def lookup(left: pd.DataFrame, right: pd.DataFrame, on: str, source: str) -> pd.DataFrame:
    """``left`` with the columns of ``right`` matched on ``on`` (each key at most once in ``right``); a row of
    ``left`` without a match is an error naming ``source`` and the first unmatched key."""
    out = left.merge(right, on=on, how="left", validate="many_to_one", indicator="_matched")
    missing = out["_matched"] != "both"
    if missing.any():
        raise DataError(source, on, f"no row for {on} {out.loc[missing, on].iloc[0]!r}",
                        "add it to the lookup table, or map the name to one it has (an alias)")
    return out.drop(columns="_matched")


def match_names(names, table: pd.DataFrame, column: str, value: str, source: str) -> dict:
    """For each short name, ``value`` of the one row of ``table`` whose ``column`` contains it (case-insensitive),
    as release tables that spell a model in full ("GPT-3 175B") while its curves use a short name ("175b"); a name
    matching no row or several is an error naming ``source``."""
    out, text = {}, table[column].astype(str).str.lower()
    for name in names:
        rows = table.loc[text.str.contains(str(name).lower(), regex=False), value]
        if len(rows) != 1:
            raise DataError(source, column, f"{len(rows)} rows match '{name}'", "each name must match exactly one row")
        out[name] = rows.iloc[0]
    return out
