"""Yao & Wang 2023: a * x^b + c fitted by least squares on the 7 smallest muP widths, the 3 largest predicted."""

import numpy as np
import pandas as pd

from replication.audit import Audit
from replication.checks.extrapolation import extrapolation_errors


def width_split(runs: pd.DataFrame, audit: Audit) -> pd.DataFrame:
    """The script's split, by order of width: the last n_predicted widths held out."""
    return runs.assign(held_out=np.arange(len(runs)) >= len(runs) - audit.paper.protocol.settings["n_predicted"])


def replicate(audit: Audit) -> None:
    nat = audit.run_fits({"width_split": width_split})["main"]["natural"]
    held = audit.frames["all_widths"].query("held_out").copy()
    held["predicted"] = audit.predict("main", {"x": held["params_m"]})
    held["rel_error_pct"] = 100 * (held["predicted"] - held["train_loss"]) / held["train_loss"]
    for _, row in held.iterrows():
        audit.add_quantity(f"predicted_loss_w{int(row['width'])}", row["predicted"])
        audit.add_quantity(f"rel_error_pct_w{int(row['width'])}", row["rel_error_pct"])
    audit.add_quantity("heldout_are_pct", 100 * extrapolation_errors(held["train_loss"], held["predicted"])["are"])
    # can the prediction tell the two largest models apart? observed gap over the sum of the two prediction errors
    a, b = held.iloc[-2], held.iloc[-1]
    audit.add_quantity("separation_ratio_largest_two", (a["train_loss"] - b["train_loss"])
                       / (abs(a["predicted"] - a["train_loss"]) + abs(b["predicted"] - b["train_loss"])))
    audit.add_quantity("b_exponent", -nat["alpha"])  # the script's a x^b + c: a = A, b = -alpha, c = E
    audit.add_table("predictions", held[["width", "params_m", "train_loss", "predicted", "rel_error_pct"]],
                    "The 3 largest widths: observed training loss at step 20k and the loss predicted by the law "
                    "fitted on the 7 smaller widths (relative error in %).")
    audit.add_table("fitted", pd.DataFrame([{"a": nat["A"], "b": -nat["alpha"], "c": nat["E"],
                                             "n_points": audit.fits["main"]["n_points"]}]),
                    "Constants of a x^b + c (x in millions of parameters) fitted on the 7 smallest widths.")
