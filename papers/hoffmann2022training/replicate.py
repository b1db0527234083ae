"""Hoffmann et al. 2022, Approach 3: refit L(N, D) by Huber on log loss from the 4,500-start grid; Approach 2 on the
same digitised runs (they lie on the paper's nine IsoFLOP budgets) for the consistency table."""

from replication.audit import Audit


def replicate(audit: Audit) -> None:
    audit.run_fits()  # the points are prepared by the library step chinchilla_points (replication/data/preparations.py)


if __name__ == "__main__":
    from replication.cli import main

    main(["run", "hoffmann2022training"])
