"""Caballero et al. 2023: a one-break BNSL fitted to the first 14 points of the four-digit addition curve on
log(y + 1), extrapolated to the last 3, against a power law with offset on the same split."""

import pandas as pd

from replication.audit import Audit
from replication.checks.extrapolation import extrapolation_errors

FITS = {"bnsl": "bnsl_first14", "power law with offset": "power_law_first14"}


def log_y_plus_1(points: pd.DataFrame, audit: Audit) -> pd.DataFrame:
    """The extrapolation split marked, and y + 1 (the upstream criterion is least squares on log(y + 1))."""
    return points.assign(held_out=points["split"] == "extrapolate", y_plus_1=points["test_cross_entropy"] + 1.0)


def replicate(audit: Audit) -> None:
    audit.run_fits({"log_y_plus_1": log_y_plus_1})
    points = audit.frames["main"]
    y, held, rows = points["test_cross_entropy"].to_numpy(), points["held_out"].to_numpy(), []
    pred = points[["dataset_size", "split", "test_cross_entropy"]].copy()
    for label, name in FITS.items():
        y_hat = pred[f"{label} (first 14)"] = audit.predict(name, {"x": points["dataset_size"].to_numpy()}) - 1.0
        row = {"law": label}
        for part, m in (("fit", ~held), ("extrapolate", held)):
            row[f"rmse_log_y_{part}"] = extrapolation_errors(y[m], y_hat[m])["rmse_log"]
            row[f"rmse_log_y_plus_1_{part}"] = extrapolation_errors(y[m] + 1, y_hat[m] + 1)["rmse_log"]
            row[f"are_{part}"] = extrapolation_errors(y[m], y_hat[m])["are"]
            audit.add_quantity(f"{name}.rmsle_{part}", row[f"rmse_log_y_{part}"])
        rows.append(row)
    for prefix, const in (("", "a"), ("bnsl_first14.", "a"), ("power_law.", "E"), ("power_law_first14.", "E")):
        audit.add_quantity(f"{prefix}{const}_of_y", audit.quantities[prefix + const].value - 1.0)  # fits are on y + 1
    audit.add_quantity("bnsl_first14.rmsle_ratio_power_law_over_bnsl",
                       rows[1]["rmse_log_y_extrapolate"] / rows[0]["rmse_log_y_extrapolate"])
    audit.add_table("split_scores", pd.DataFrame(rows),
                    "Fitted to the first 14 points (criterion: least squares on log(y + 1)); RMSE of log y (the upstream "
                    "script's rmsle), RMSE of log(y + 1) and mean absolute relative error, on the 14 fitted and the 3 "
                    "extrapolated points.")
    audit.add_table("predictions", pred, "Observed test cross-entropy and the predictions of each law fitted to "
                    "the first 14 points.")
