"""Muennighoff et al. 2023: the data-constrained law (decay of repeated data and excess parameters) on the released runs."""

import ast

import numpy as np
import pandas as pd

from replication.audit import Audit


def four_epochs(r_d_star):
    """Fraction of fresh-data value of four epochs (R_D = 3) under D' = U (1 + R*_D (1 - exp(-R_D / R*_D)))."""
    with np.errstate(invalid="ignore"):  # R*_D = inf (no decay): every repeated token counts in full
        return np.where(np.isinf(r_d_star), 1.0, (1 + r_d_star * (1 - np.exp(-3 / r_d_star))) / 4)


def runs(frame: pd.DataFrame, audit: Audit) -> pd.DataFrame:
    """The runs with their name, unique tokens U_D = D / epochs, and the curated and usable flags."""
    s, r = audit.paper.protocol.settings, frame.assign(run=[ast.literal_eval(a)["name"] for a in frame["model_args"]])
    audit.require_known("protocol.settings.excluded_runs", s["excluded_runs"], r["run"])
    return r.assign(unique_tokens=r["token_num"] / r["epochs"], curated=~r["run"].isin(s["excluded_runs"]), usable=~r["run"].isin(s["misrecorded_runs"]))


def replicate(audit: Audit) -> None:
    s, p = audit.paper.protocol.settings, audit.paper.protocol.settings["published_single_epoch"]
    audit.run_fits({"runs": runs})
    at_pub = audit.add_quantity("objective_at_published", audit.objective_at("main", np.log([s["published_r_star"][k] for k in ("R_D_star", "R_N_star")]))).value
    audit.add_quantity("objective_at_refit", audit.fits["main"]["point"]["fun"])
    audit.samples_figure("main_bootstrap_log10", {"log10 R_D_star": "R_D_star", "log10 R_N_star": "R_N_star"}, transform=np.log10, title="main",
                         caption="Bootstrap replicates of the main fit's decay constants on a log10 scale (line: the refit; published values in the constants table)")
    audit.apply("effective_fraction_4_epochs", "R_D_star", four_epochs, audit.fits["main"]["n_points"])
    published = {"A": np.exp(p["a"]), "B": np.exp(p["b"]), "E": np.exp(p["e"]), "alpha": p["alpha"], "beta": p["alpha"], **s["published_r_star"]}
    w = pd.concat([pd.DataFrame([{"fit": "published", "points": s["published_runs"], "objective": at_pub, **published}]),
                   audit.constants(["main", "joint", "untied", "all_runs"])]).set_index("fit").astype(float)
    w.loc["main"] = w.loc["main"].fillna(w.loc["published"])  # the main fit holds the single-epoch constants at the published values
    w["beta"] = w["beta"].fillna(w["alpha"])  # the tied fits report alpha only
    audit.add_table("constants", w.rename(columns={"points": "runs", "objective": "criterion at optimum"})[[*published, "runs", "criterion at optimum"]]
                    .T.rename_axis("constant").reset_index().rename_axis(None, axis=1))
    audit.add_table("main_local_optima", audit.local_optima("main", ["R_D_star", "R_N_star"]))
