"""Besiroglu et al. 2024: maximum-likelihood refit of Chinchilla's Approach 3, plus their Hoffmann-style grid fit."""

import numpy as np
import pandas as pd

from replication.audit import Audit
from replication.checks.ci_width import runs_needed_quantity
from replication.metadata import load_paper


def chinchilla_points(points: pd.DataFrame, audit: Audit) -> pd.DataFrame:
    """All 245 points by loss, the 240 lowest flagged as fitted (the 5 highest-loss dropped, as the replicators do;
    the fits select them with data.where), D = FLOP / (6 N) with its digitisation error from those of FLOP and N
    (relative errors added in quadrature)."""
    points = points.sort_values("loss", kind="stable")
    rel = np.hypot(points["Training FLOP_err"] / points["Training FLOP"], points["Model Size_err"] / points["Model Size"])
    return points.assign(D=points["Training FLOP"] / (6 * points["Model Size"]), fitted=np.arange(len(points)) < 240,
                         D_err=lambda p: rel * p["D"])


def replicate(audit: Audit) -> None:
    out = audit.run_fits({"chinchilla_points": chinchilla_points})
    for name in ("A", "B", "E", "alpha", "beta"):
        q = audit.quantities[name]
        audit.add_quantity(f"{name}_se", q.se).mcse = q.se_mcse  # the SE's Monte Carlo error rides with it
    claimed = load_paper("hoffmann2022training").claim("a_interval").interval  # the interval the claim is about
    for prefix in ("", "grid."):  # the authors' criterion, and the grid fit's on the same resamples
        needed = runs_needed_quantity(audit.quantities[prefix + "a_alloc"], (claimed.low, claimed.high), claimed.level,
                                      out["main"]["n_points"])
        audit.quantities[prefix + "runs_needed_hoffmann_a"] = needed


if __name__ == "__main__":
    from replication.cli import main

    main(["run", "besiroglu2024chinchilla"])
