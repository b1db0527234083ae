"""Validation of the digitiser against third-party digitisations, and how the calibration moves a paper's refit.

Point-by-point agreement is measured on points matched by their position in the figure (both sides record it;
data/digitised.match_positions).
Refits use the suite's fitter by each paper's protocol in papers/<key>/paper.yaml (law, objective, start grid).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..data.digitised import match_positions
from ..fitting.multistart import fit_multistart
from ..fitting.objectives import make_objective
from ..fitting.starts import start_grid
from ..laws.allocation import DERIVED
from ..laws.base import get_law
from ..metadata import load_paper


def agreement_rows(name: str, ours: pd.DataFrame, theirs: pd.DataFrame, columns: list[tuple[str, str, str, str | None]],
                   tol: float) -> tuple[list[dict], pd.DataFrame]:
    """Per compared column: matched count, median and largest relative (or absolute) difference, share within
    our error. ``columns`` are (what, our column, their column, our error column or None)."""
    ia, ib = match_positions(ours[["x_fig", "y_fig"]].to_numpy(float), theirs[["x_fig", "y_fig"]].to_numpy(float), tol)
    a, b = ours.iloc[ia].reset_index(drop=True), theirs.iloc[ib].reset_index(drop=True)
    rows = []
    for what, ours_col, theirs_col, err_col in columns:
        x, y = a[ours_col].to_numpy(float), b[theirs_col].to_numpy(float)
        rel = np.abs(x / y - 1.0)
        absd = np.abs(x - y)
        within = float(np.mean(absd <= a[err_col].to_numpy(float))) if err_col else float("nan")
        rows.append({"figure": name, "quantity": what, "points_ours": len(ours), "points_theirs": len(theirs),
                     "matched": len(a), "median_rel_diff": float(np.median(rel)) if len(a) else float("nan"),
                     "max_rel_diff": float(np.max(rel)) if len(a) else float("nan"),
                     "median_abs_diff": float(np.median(absd)) if len(a) else float("nan"),
                     "max_abs_diff": float(np.max(absd)) if len(a) else float("nan"),
                     "share_within_our_error": within})
    pairs = pd.concat([a.add_prefix("ours_"), b.add_prefix("theirs_")], axis=1)
    return rows, pairs


def headline_refit(points: pd.DataFrame, paper_key: str, drop_highest: int = 5) -> dict[str, float]:
    """Refit a Chinchilla-form paper's law on (N, C, loss) points by its protocol: fitted and derived numbers.

    As in the suite's replications of Hoffmann et al. and Besiroglu et al., the ``drop_highest`` highest-loss
    points are dropped and D = C / (6 N)."""
    paper = load_paper(paper_key)
    proto = paper.protocol
    law = get_law(paper.law.name)
    pts = points.nsmallest(len(points) - drop_highest, "loss") if drop_highest else points
    X = {"N": pts["N"].to_numpy(float), "D": (pts["C"] / (6 * pts["N"])).to_numpy(float)}
    y = pts["loss"].to_numpy(float)
    fit = fit_multistart(law, make_objective(proto.objective), X, y, start_grid(law.params, proto.starts))
    natural = {k: float(v) for k, v in law.natural_params(fit.theta).items()}
    derive = DERIVED.get(law.name)
    if derive is not None:
        derived = derive({k: np.asarray(v) for k, v in natural.items()}, proto.settings)
        natural.update({k: float(np.asarray(v)) for k, v in derived.items()})
    natural["n_points"] = float(len(y))
    return natural


def calibration_shift(sets: dict[str, pd.DataFrame], papers: list[str], baseline: str) -> pd.DataFrame:
    """Each paper's headline numbers refitted on every point set, and each set's relative move from ``baseline``."""
    rows = []
    for key in papers:
        fits = {name: headline_refit(df, key) for name, df in sets.items()}
        for q in fits[baseline]:
            if q == "n_points":
                continue
            row = {"paper": key, "quantity": q}
            row.update({name: fits[name].get(q, float("nan")) for name in sets})
            for name in sets:
                if name != baseline:
                    row[f"move: {name}"] = row[name] / row[baseline] - 1.0 if row[baseline] else float("nan")
            rows.append(row)
    return pd.DataFrame(rows)
