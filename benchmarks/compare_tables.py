"""Compare the report tables of two builds: the largest differences per table and column.

    python -m benchmarks.compare_tables OLD_REPORT_DIR NEW_REPORT_DIR [--top 15]

Rows are matched by their identifying columns where the table has them (paper, claim, fit, quantity, check,
spec, ...; else by all their text columns) and their order among equal keys; rows present in one build only are
counted, and cells of other text columns (notes, details) that changed are counted apart. For numbers the absolute and relative differences are printed, largest first, so a change of
engine or refactor can be checked against "same numbers" (an interval end may move by its Monte Carlo
error, a point estimate not at all); interval ends that carry a Monte Carlo SE (a column X with X_mcse) are
also compared with it, and the largest move in MC SEs is printed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd


def read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, comment="#", keep_default_na=False, na_values=["", "nan", "NaN"], dtype=str)


def _numeric(col: pd.Series) -> pd.Series | None:
    values = pd.to_numeric(col.replace({"inf": "inf", "-inf": "-inf"}), errors="coerce")
    filled = col.str.strip().ne("") & col.notna()
    return values if values[filled].notna().all() and filled.any() else None


ID_COLUMNS = ("paper", "claim", "fit", "quantity", "check", "spec", "dataset", "approach_a", "approach_b", "figure",
              "interval_kind", "item", "split_column", "what", "budget")


def compare(old: pd.DataFrame, new: pd.DataFrame) -> tuple[list[dict], int, int, int]:
    """Differences of the numeric columns both tables share, rows matched by the identifying (else all) text
    columns; also the number of other text cells that changed."""
    shared = [c for c in old.columns if c in new.columns]
    numeric = [c for c in shared if _numeric(old[c].fillna("")) is not None and _numeric(new[c].fillna("")) is not None]
    every_text = [c for c in shared if c not in numeric]
    text = [c for c in every_text if c in ID_COLUMNS] or every_text

    def keyed(frame):
        key = frame[text].fillna("").astype(str).agg("\x1f".join, axis=1) if text and len(frame) else \
            pd.Series([""] * len(frame), dtype=str)  # an empty table's row-wise agg is a frame, not a key per row
        return frame.assign(_key=key.to_numpy(), _n=key.groupby(key).cumcount().to_numpy())

    merged = keyed(old).merge(keyed(new), on=["_key", "_n"], how="outer", suffixes=("_old", "_new"), indicator=True)
    rows = []
    for c in numeric:
        a = pd.to_numeric(merged[f"{c}_old"], errors="coerce").to_numpy(float)
        b = pd.to_numeric(merged[f"{c}_new"], errors="coerce").to_numpy(float)
        both = (merged["_merge"] == "both").to_numpy()
        same = (a == b) | (np.isnan(a) & np.isnan(b))
        with np.errstate(invalid="ignore", divide="ignore"):
            diff = np.where(same, 0.0, np.abs(a - b))
            rel = np.where(same, 0.0, diff / np.maximum(np.abs(a), 1e-300))
        diff = np.where(np.isnan(diff), np.inf, diff)
        mcse = np.full(len(merged), np.nan)
        if f"{c}_mcse" in numeric:  # an interval end with its Monte Carlo standard error: the larger of the two
            mcse = np.fmax(pd.to_numeric(merged[f"{c}_mcse_old"], errors="coerce").to_numpy(float),
                           pd.to_numeric(merged[f"{c}_mcse_new"], errors="coerce").to_numpy(float))
        for i in np.flatnonzero(both & (diff > 0)):
            rows.append({"column": c, "key": merged["_key"].iloc[i].replace("\x1f", " | ")[:110], "old": a[i], "new": b[i],
                         "abs": diff[i], "rel": rel[i], "mcse": mcse[i]})
    only_old = int((merged["_merge"] == "left_only").sum())
    only_new = int((merged["_merge"] == "right_only").sum())
    both = merged["_merge"] == "both"
    changed_text = sum(int((merged.loc[both, f"{c}_old"].fillna("") != merged.loc[both, f"{c}_new"].fillna("")).sum())
                       for c in every_text if c not in text)
    return rows, only_old, only_new, changed_text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path)
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args(argv)
    old_dir, new_dir = args.old / "tables", args.new / "tables"
    names = sorted({p.relative_to(old_dir) for p in old_dir.rglob("*.csv")} | {p.relative_to(new_dir) for p in new_dir.rglob("*.csv")})
    total = 0
    moved: list[float] = []  # |change| / Monte Carlo SE of every interval end that has one
    for name in names:
        a, b = old_dir / name, new_dir / name
        if not a.exists() or not b.exists():
            print(f"## {name}: only in {'the new' if b.exists() else 'the old'} build")
            continue
        rows, only_old, only_new, changed_text = compare(read(a), read(b))
        total += len(rows)
        extra = f"; rows only in old {only_old}, only in new {only_new}" if only_old or only_new else ""
        extra += f"; {changed_text} text cells changed" if changed_text else ""
        if not rows:
            print(f"## {name}: no numeric differences{extra}")
            continue
        print(f"## {name}: {len(rows)} differing cells{extra}; largest relative differences:")
        for r in sorted(rows, key=lambda r: -r["rel"])[: args.top]:
            print(f"   {r['column']:>22s}  {r['old']:.10g} -> {r['new']:.10g}  (rel {r['rel']:.2e})  [{r['key']}]")
        ends = [r for r in rows if np.isfinite(r["mcse"]) and r["mcse"] > 0]
        if ends:
            ratios = sorted(((r["abs"] / r["mcse"], r) for r in ends), key=lambda t: t[0])
            moved.extend(q for q, _ in ratios)
            worst, r = ratios[-1]
            print(f"   interval ends with a Monte Carlo SE: {len(ends)} moved; largest move {worst:.2f} MC SE "
                  f"({r['column']} {r['old']:.6g} -> {r['new']:.6g}, MC SE {r['mcse']:.3g}) [{r['key']}]; "
                  f"{sum(q > 1 for q, _ in ratios)} moved more than 1 MC SE, {sum(q > 2 for q, _ in ratios)} more than 2")
    print(f"# {total} differing numeric cells in {len(names)} tables")
    if moved:
        print(f"# interval ends with a Monte Carlo SE that moved: {len(moved)}; largest {max(moved):.2f} MC SE; "
              f"{sum(q > 1 for q in moved)} beyond 1 MC SE, {sum(q > 2 for q in moved)} beyond 2")
    return 0


if __name__ == "__main__":
    sys.exit(main())
