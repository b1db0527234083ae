"""Liu, Liu, Gore 2025: the model part of the loss of open LLMs against model dimension m (Fig. 8 panel b), one
common power law through every digitised point (the plotted quantity already has each family's and corpus's
constant subtracted), with the markers read per family and corpus."""

from replication.audit import Audit

DATASET = "liu-superposition-fig8"


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


if __name__ == "__main__":
    from replication.cli import main

    main(["run", "liu2025superposition"])
