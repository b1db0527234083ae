"""Besiroglu et al. 2024: maximum-likelihood refit of Chinchilla's Approach 3, plus their Hoffmann-style grid fit."""

from replication.audit import Audit
from replication.checks.ci_width import runs_needed_quantity
from replication.metadata import load_paper


def replicate(audit: Audit) -> None:
    points = audit.table("epoch-chinchilla", "points").nsmallest(240, "loss")  # drop the 5 highest-loss points
    points["D"] = points["Training FLOP"] / (6 * points["Model Size"])
    inputs = {"N": "Model Size", "D": "D"}
    audit.fit(points, inputs=inputs, target="loss", plot_against="Training FLOP")
    for name in ("A", "B", "E", "alpha", "beta"):
        q = audit.quantities[name]
        audit.add_quantity(f"{name}_se", q.se).mcse = q.se_mcse  # the SE's Monte Carlo error rides with it
    claimed = load_paper("hoffmann2022training").claim("a_interval").interval  # the interval the claim is about
    audit.fit(points, name="grid", inputs=inputs, target="loss", objective={"name": "huber", "delta": 1e-3},
              bootstrap=audit.paper.protocol.settings["grid_bootstrap"], extrapolation={}, plot_against="Training FLOP")
    for prefix in ("", "grid."):  # the authors' criterion, and the grid fit's on the same resamples
        needed = runs_needed_quantity(audit.quantities[prefix + "a_alloc"], (claimed.low, claimed.high), claimed.level,
                                      len(points))
        audit.quantities[prefix + "runs_needed_hoffmann_a"] = needed


if __name__ == "__main__":
    from replication.cli import main

    main(["run", "besiroglu2024chinchilla"])
