"""Alabdulmohsin et al. 2022: four learning-curve estimators fitted on each benchmark curve's fit split and
scored on its extrapolation split (declared per_group fits); which estimator extrapolates best how often."""

import pandas as pd

from replication.audit import Audit

DATASET = "revisiting-neural-scaling-laws"
CURVE = ["Domain", "Task", "Model"]


def curves(_, audit: Audit) -> pd.DataFrame:
    """Both benchmark files, with the held-out flag and examples seen rescaled per curve."""
    runs = pd.concat([audit.table(DATASET, "vision"), audit.table(DATASET, "lang")], ignore_index=True)
    runs["held_out"] = runs["Training"] == 0
    first = runs["Seen Examples"].where(~runs["held_out"]).groupby([runs[c] for c in CURVE]).transform("min")
    runs["x"] = runs["Seen Examples"] / first
    return runs


def replicate(audit: Audit) -> None:
    fits = list(audit.run_fits({"curves": curves}))
    per_curve, summary, shares = audit.wins(fits, "rmse_log", decimals=int(audit.paper.protocol.settings.get("win_decimals", 3)))
    audit.add_table("estimators", summary)
    audit.add_table("per_curve", per_curve)
    by_domain = pd.concat([per_curve[["Domain"]], shares], axis=1).groupby("Domain").sum()
    by_domain.insert(0, "curves", per_curve.groupby("Domain").size())
    audit.add_table("wins_by_domain", by_domain.reset_index())
