"""Besiroglu et al. 2024: maximum-likelihood refit of Chinchilla's Approach 3, plus their Hoffmann-style grid fit."""

from replication.audit import Audit
from replication.checks.ci_width import runs_needed_quantity
from replication.metadata import load_paper


def replicate(audit: Audit) -> None:
    out = audit.run_fits()  # points prepared by the library step chinchilla_points (data/preparations.py)
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
