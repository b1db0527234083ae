"""Chen et al. 2025 (ParScale): the parallel scaling law refitted per corpus by the authors' protocol, against a
power-of-P multiplier, and both fitted on P = 1, 2, 4 to predict the P = 8 runs."""

import numpy as np
import pandas as pd

from replication.audit import Audit


def held_out_P(runs: pd.DataFrame, audit: Audit) -> pd.DataFrame:
    """The runs with P = held_out_P marked as held out (the extrapolation split)."""
    return runs.assign(held_out=runs["P"] == audit.paper.protocol.settings["held_out_P"])


def replicate(audit: Audit) -> None:
    audit.run_fits({"held_out_P": held_out_P})
    held = {r["fit"]: r for r in audit.extrapolation}
    for corpus in ("stack", "pile"):
        for name in (corpus, f"{corpus}_power"):
            audit.add_quantity(f"{name}.heldout_P8_are", held[name]["are"])
        k = audit.quantities[f"{corpus}.k"]
        for p in audit.paper.protocol.settings["multiplier_at_P"]:  # the parameter multiplier of P streams, k ln P + 1
            audit.add_quantity(f"{corpus}.multiplier_P{p}", k.value * np.log(p) + 1,
                               None if k.samples is None else k.samples * np.log(p) + 1, audit.fits[corpus]["n_points"])
        audit.add_quantity(f"{corpus}.heldout_ratio_power_over_log",
                           held[f"{corpus}_power"]["are"] / held[corpus]["are"])
    forms = audit.constants(list(audit.fits))
    forms.insert(0, "corpus", forms["fit"].str.split("_").str[0])
    forms.insert(1, "multiplier", np.where(forms["fit"].str.endswith("_power"), "P^gamma", "k ln P + 1"))
    forms["heldout_P8_are"] = [held[f]["are"] for f in forms["fit"]]
    forms["heldout_P8_max_are"] = [held[f]["max_are"] for f in forms["fit"]]
    audit.add_table("forms", forms,
                    "Both parameter multipliers fitted to all 24 runs of each corpus (objective: sum of Huber(1e-3) of "
                    "log residuals; constants of that fit), and the mean and largest absolute relative error on the 6 "
                    "P = 8 runs when fitted on P = 1, 2, 4 only.")
