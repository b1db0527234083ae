"""Nezhurina et al. 2025: err = a (x + b)^c + d (x = training GFLOPs) per family on the ADE-20K segmentation frontier
(err = 1 - mIoU) and on the digitised Fig. 1 frontier; CLIP against MaMMUT, Fig. 1 refits against the authors' constants."""

import numpy as np
import pandas as pd

from replication.audit import Audit
from replication.data.selection import pareto_bins

FAMILIES = ("clip", "mammut")


def segmentation(runs: pd.DataFrame, audit: Audit) -> pd.DataFrame:
    """Final-epoch cosine-schedule DataComp-1B runs on ADE-20K in the compute window, per family its pareto_bin frontier."""
    runs = runs.query((s := audit.paper.protocol.settings)["runs"].format(**s))
    runs = runs.assign(err=1 - runs["miou"], family=np.where(runs["model"].str.contains("mammut"), "mammut", "clip"))
    groups = [runs[runs["family"] == fam].sort_values(["gflops", "err"], kind="stable") for fam in FAMILIES]
    return pd.concat([g[pareto_bins(g["gflops"], g["err"], s["pareto_flop_unit"])].assign(sources=len(g)) for g in groups]).assign(
        held_out=lambda f: f["gflops"] > s["held_out_above_gflops"])


def fig1(digitised: pd.DataFrame, audit: Audit) -> pd.DataFrame:
    """Fig. 1 frontier markers, one family's at one compute (two sizes) merged into one point, with their largest errors."""
    d = digitised[digitised["series"].isin(FAMILIES)].rename(columns={"series": "family"})
    d = d.assign(key=np.round(np.log10(d["x"]), audit.paper.protocol.settings["fig1_merge_log10_decimals"]))
    out = d.groupby(["family", "key"]).agg(gflops=("x", "mean"), err=("y", "mean"), markers=("y", "size"), gflops_err=("x_err", "max"), err_err=("y_err", "max"))
    return out.reset_index().drop(columns="key").assign(sources=lambda f: f["family"].map(d["family"].value_counts()))


def replicate(audit: Audit) -> None:
    audit.run_fits({"segmentation": segmentation, "fig1": fig1})
    for fam in FAMILIES:  # the authors' Fig. 1 constants on the digitised points against the refit's optimum
        theta = [f(audit.paper.claim(f"fig1_{fam}_{k}").value) for k, f in zip(("a", "ln_b", "c", "d"), (np.log, float, float, np.log))]
        audit.add_quantity(f"fig1_{fam}.sse_published_over_refit", audit.objective_at(f"fig1_{fam}", theta) / audit.fits[f"fig1_{fam}"]["point"]["fun"])
    for prefix, c in [(p, c) for p in ("seg", "fig1") for c in audit.paper.protocol.settings["compare_at_gflops"]]:
        audit.difference(f"{prefix}_gap_clip_minus_mammut_at_{c:.0e}", f"{prefix}_clip.err_at_{c:.0e}", f"{prefix}_mammut.err_at_{c:.0e}", lower=0.95)
    audit.add_table("segmentation_frontier", audit.frames["seg_{group}"][["family", "model", "samples_seen", "gflops", "miou", "err", "held_out"]])
    audit.add_table("fig1_points", audit.frames["fig1_{group}"].drop(columns="sources"))
    audit.add_table("fits", audit.constants(fits := [f"{p}_{fam}" for fam in FAMILIES for p in ("seg", "fig1")]).rename(columns={"points": "points_fitted"}).assign(
        runs_or_markers=[audit.frames[f]["sources"].iloc[0] for f in fits], ln_b=[audit.quantities[f"{f}.ln_b"].value for f in fits]))
