"""Caballero et al. 2023: a one-break BNSL fitted to the first 14 points of the four-digit addition curve on
log(y + 1), extrapolated to the last 3, against a power law with offset on the same split."""

import pandas as pd

from replication.audit import Audit
from replication.checks.extrapolation import extrapolation_errors


def replicate(audit: Audit) -> None:
    points = audit.table("bnsl", "addition")
    points["held_out"] = points["split"] == "extrapolate"
    points["y_plus_1"] = points["test_cross_entropy"] + 1.0  # the upstream criterion is least squares on log(y + 1)
    first14 = points[~points["held_out"]]
    inputs = {"x": "dataset_size"}
    split = {"held_out": "held_out", "plot_against": "dataset_size"}
    pl_starts = audit.paper.protocol.settings["power_law_starts"]
    fits = {"bnsl": ("main", None, "bnsl_first14"), "power law with offset": ("power_law", "power_law_offset", "power_law_first14")}
    rows = []
    for label, (name, law, name14) in fits.items():
        starts = pl_starts if law else None
        audit.fit(points, name=name, law=law, starts=starts, inputs=inputs, target="y_plus_1", extrapolation=split)
        audit.fit(first14, name=name14, law=law, starts=starts, inputs=inputs, target="y_plus_1", extrapolation={})
        y_hat = audit.predict(name14, {"x": points["dataset_size"].to_numpy()}) - 1.0
        y = points["test_cross_entropy"].to_numpy()
        held = points["held_out"].to_numpy()
        row = {"law": label}
        for part, mask in (("fit", ~held), ("extrapolate", held)):
            row[f"rmse_log_y_{part}"] = extrapolation_errors(y[mask], y_hat[mask])["rmse_log"]
            row[f"rmse_log_y_plus_1_{part}"] = extrapolation_errors(y[mask] + 1, y_hat[mask] + 1)["rmse_log"]
            row[f"are_{part}"] = extrapolation_errors(y[mask], y_hat[mask])["are"]
        rows.append(row)
        for part in ("fit", "extrapolate"):
            audit.add_quantity(f"{name14}.rmsle_{part}", row[f"rmse_log_y_{part}"])
    for name, const in (("main", "a"), ("bnsl_first14", "a"), ("power_law", "E"), ("power_law_first14", "E")):
        prefix = "" if name == "main" else f"{name}."  # the law's constant for y itself: the fits are on y + 1
        audit.add_quantity(f"{prefix}{const}_of_y", audit.quantities[prefix + const].value - 1.0)
    scores = pd.DataFrame(rows)
    audit.add_quantity("bnsl_first14.rmsle_ratio_power_law_over_bnsl",
                       scores.loc[1, "rmse_log_y_extrapolate"] / scores.loc[0, "rmse_log_y_extrapolate"])
    audit.add_table("split_scores", scores,
                    "Fitted to the first 14 points (criterion: least squares on log(y + 1)); RMSE of log y (the upstream "
                    "script's rmsle), RMSE of log(y + 1) and mean absolute relative error, on the 14 fitted and the 3 "
                    "extrapolated points.")
    held_pred = pd.DataFrame({"dataset_size": points["dataset_size"], "split": points["split"],
                              "test_cross_entropy": points["test_cross_entropy"]})
    for label, (_, _, name14) in fits.items():
        held_pred[f"{label} (first 14)"] = audit.predict(name14, {"x": points["dataset_size"].to_numpy()}) - 1.0
    audit.add_table("predictions", held_pred, "Observed test cross-entropy and the predictions of each law fitted to "
                    "the first 14 points.")


if __name__ == "__main__":
    from replication.cli import main

    main(["run", "caballero2022broken"])
