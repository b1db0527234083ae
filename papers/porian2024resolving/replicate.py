"""Porian et al. 2024: the exponent a of N* = k C^a for every released configuration (fits, tables and figure text
declared in paper.yaml; the configurations and their place in the paper's sequence of changes under protocol.settings),
with the authors' stored fits beside the replication."""

from __future__ import annotations

import pandas as pd

from replication.audit import Audit

KEYS = ["dataset", "hparams", "warmup", "decay", "param_count", "val"]


def configurations(frame: pd.DataFrame, audit: Audit) -> pd.DataFrame:
    """The slug, series and step of every row; budgets whose optimum is at the edge have no N*."""
    named = frame.merge(pd.DataFrame(audit.paper.protocol.settings["configurations"]), on=KEYS, how="left")
    return named.set_index(frame.index).dropna(subset=["n"] if "n_star_std" in frame else [])


def points_at_released_optima(frame: pd.DataFrame, audit: Audit) -> pd.DataFrame:
    """Raw IsoFLOP points at the budgets that have a released optimum, with that optimum's spread."""
    optima = audit.table("porian-discrepancies", "optimal_pairs").dropna(subset=["n"])
    return configurations(frame, audit).merge(optima[KEYS + ["flops", "n_star_std"]], on=KEYS + ["flops"])


def replicate(audit: Audit) -> None:
    out = audit.run_fits({"configurations": configurations, "points_at_released_optima": points_at_released_optima})
    stored = audit.table("porian-discrepancies", "fit_results").pivot(index=KEYS, columns="fit", values="n_exponent")
    rows = audit.group_rows(["main", "unweighted", "raw_akima"], KEYS + ["series", "order", "step", "change"]).merge(stored, on=KEYS)
    boot = out["main"]["rw_kaplan_repro"].boot
    for name in ("authors_fits", "steps", "intervals"):
        audit.add_table(name, rows, boot=f"{boot.description} ({boot.n} draws per configuration)")
    audit.add_table("allocation", audit.allocation_rows("main"))
    audit.steps_figure("exponent_steps", rows, ["1", "2", "3", "4", "5"], series="series", at="order", label="step",
                       stored="bs_median_weighted", references={"Kaplan et al. a = 0.88": 0.88, "Hoffmann et al. a = 0.5": 0.5},
                       order=["RefinedWeb", "OpenWebText2", "RefinedWeb (attention FLOPs)"])
    audit.optimum_figure("optima_refinedweb", [(f"{s} (a = {out['main'][s].fit.exponent:.3f})", out["main"][s])
                         for s in ["rw_kaplan_repro", "rw_last_layer", "rw_warmup", "rw_cosine", "rw_tuned"]])
