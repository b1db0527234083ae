"""Liu, Liu, Gore 2025: the model part of the loss of open LLMs against model dimension m (Fig. 8 panel b), one
common power law through every digitised point (the plotted quantity already has each family's and corpus's
constant subtracted), and per family and per corpus slopes beside it."""

import numpy as np
import pandas as pd

from replication.audit import Audit

DATASET = "liu-superposition-fig8"


def _slopes(points: pd.DataFrame, by: str) -> pd.DataFrame:
    """Least-squares log-log slope of y on m within each group that has two or more model dimensions."""
    rows = []
    for name, g in points.groupby(by, sort=True):
        if g["x"].round().nunique() >= 2:
            slope = np.polyfit(np.log(g["x"]), np.log(g["y"]), 1)[0]
            rows.append({by: name, "points": len(g), "dimensions": int(g["x"].round().nunique()), "slope": slope})
        else:
            rows.append({by: name, "points": len(g), "dimensions": int(g["x"].round().nunique()), "slope": np.nan})
    return pd.DataFrame(rows)


def replicate(audit: Audit) -> None:
    points = audit.table(DATASET, "points")
    parts = points["series"].str.split("/", n=1, expand=True)
    points = points.assign(family=parts[0], corpus=parts[1])
    audit.add_quantity("n_points", float(len(points)))
    audit.add_quantity("m_min", float(points["x"].min()))
    audit.add_quantity("m_max", float(points["x"].max()))
    audit.fit(points, inputs={"x": "x"}, target="y", extrapolation={}, plot_against="x")
    audit.add_quantity("slope", -audit.quantities["alpha"].value)
    counts = points.groupby(["family", "corpus"]).size().rename("points").reset_index()
    audit.add_table("points_per_series", counts, "Digitised markers per family and corpus (family read from the "
                    "marker colour, corpus from its shape; markers inside the figure's two raster regions are not read).")
    audit.add_table("slope_by_corpus", _slopes(points, "corpus"), "Least-squares slope of log loss (model part) on "
                    "log m within each corpus (shape), families pooled as plotted.")
    audit.add_table("slope_by_family", _slopes(points, "family"), "The same within each family (colour); the family "
                    "of markers in the overlapping stacks is uncertain (see the dataset's caveats).")


if __name__ == "__main__":
    from replication.cli import main

    main(["run", "liu2025superposition"])
