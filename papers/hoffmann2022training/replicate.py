"""Hoffmann et al. 2022, Approach 3: refit L(N, D) by Huber on log loss from the 4,500-start grid; Approach 2 on the
same digitised runs (they lie on the paper's nine IsoFLOP budgets) for the consistency table."""

import numpy as np
import pandas as pd

from replication.audit import Audit


def chinchilla_points(points: pd.DataFrame, audit: Audit) -> pd.DataFrame:
    """All 245 points by loss, the 240 lowest flagged as fitted (the 5 highest-loss dropped, as the replicators do;
    the fits select them with data.where), D = FLOP / (6 N) with its digitisation error from those of FLOP and N
    (relative errors added in quadrature)."""
    points = points.sort_values("loss", kind="stable")
    rel = np.hypot(points["Training FLOP_err"] / points["Training FLOP"], points["Model Size_err"] / points["Model Size"])
    return points.assign(D=points["Training FLOP"] / (6 * points["Model Size"]), fitted=np.arange(len(points)) < 240,
                         D_err=lambda p: rel * p["D"])


def replicate(audit: Audit) -> None:
    audit.run_fits({"chinchilla_points": chinchilla_points})


if __name__ == "__main__":
    from replication.cli import main

    main(["run", "hoffmann2022training"])
