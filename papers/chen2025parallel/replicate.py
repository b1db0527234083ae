"""Chen et al. 2025 (ParScale): the parallel scaling law refitted per corpus by the authors' protocol, against a
power-of-P multiplier, and both fitted on P = 1, 2, 4 to predict the P = 8 runs."""

import numpy as np
import pandas as pd

from replication.audit import Audit

CORPORA = {"stack": "stack_loss", "pile": "pile_loss"}
LAWS = {"log": "parscale", "power": "parscale_power"}


def replicate(audit: Audit) -> None:
    s = audit.paper.protocol.settings
    runs = audit.table("parscale", "losses")
    runs["held_out"] = runs["P"] == s["held_out_P"]
    rows = []
    for corpus, column in CORPORA.items():
        for form, law in LAWS.items():
            name = corpus if form == "log" else f"{corpus}_power"
            starts = None if form == "log" else s["power_starts"]
            audit.fit(runs, name=name, law=law, starts=starts, inputs={"N": "N", "P": "P"}, target=column,
                      extrapolation={"held_out": "held_out", "plot_against": "N"}, plot_against="N")
            fit = audit.fits[name]
            held = next(r for r in audit.extrapolation if r["fit"] == name)
            rows.append({"corpus": corpus, "multiplier": "k ln P + 1" if form == "log" else "P^gamma",
                         "objective": fit["point"]["fun"], **fit["natural"],
                         "heldout_P8_are": held["are"], "heldout_P8_max_are": held["max_are"]})
            audit.add_quantity(f"{name}.heldout_P8_are", held["are"])
        k = audit.quantities[f"{corpus}.k"]
        for p in s["multiplier_at_P"]:  # the parameter multiplier P streams are worth, k ln P + 1
            audit.add_quantity(f"{corpus}.multiplier_P{p}", k.value * np.log(p) + 1,
                               None if k.samples is None else k.samples * np.log(p) + 1, len(runs))
        log_err, pow_err = (audit.quantities[f"{n}.heldout_P8_are"].value for n in (corpus, f"{corpus}_power"))
        audit.add_quantity(f"{corpus}.heldout_ratio_power_over_log", pow_err / log_err)
    audit.add_table("forms", pd.DataFrame(rows),
                    "Both parameter multipliers fitted to all 24 runs of each corpus (objective: sum of Huber(1e-3) of "
                    "log residuals; constants of that fit), and the mean and largest absolute relative error on the 6 "
                    "P = 8 runs when fitted on P = 1, 2, 4 only.")


if __name__ == "__main__":
    from replication.cli import main

    main(["run", "chen2025parallel"])
