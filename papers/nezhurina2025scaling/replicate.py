"""Nezhurina et al. 2025: the saturating law err = a (x + b)^c + d fitted to the Pareto frontier of the ADE-20K
segmentation runs of CLIP and of MaMMUT (x = training GFLOPs, err = 1 - mIoU), and the two families compared."""

import numpy as np
import pandas as pd

from replication.audit import Audit

FAMILIES = ("clip", "mammut")


def pareto_bins(x: np.ndarray, y: np.ndarray, flop_unit: float) -> np.ndarray:
    """The authors' pareto_bin frontier: the lowest y in each of log2(max x / flop_unit) geometric bins, kept only
    where it improves on every kept point of lower x (plus the largest-x run if it improves); rows are marked when
    their x and their y each occur among the kept points, as upstream marks them."""
    edges = np.geomspace(x.min(), x.max(), int(np.log(x.max() / flop_unit) / np.log(2)))
    best = [np.flatnonzero(m)[np.argmin(y[m])] for m in ((x >= lo) & (x < hi) for lo, hi in zip(edges, edges[1:])) if m.any()]
    kept = [best[0]]
    for i in best[1:]:
        if y[i] < y[kept[-1]]:
            kept.append(i)
    last = int(np.flatnonzero(x == x.max())[0])
    if y[last] < y[kept[-1]]:
        kept.append(last)
    return np.isin(x, x[kept]) & np.isin(y, y[kept])


def replicate(audit: Audit) -> None:
    s = audit.paper.protocol.settings
    runs = audit.table("laion-scaling-comparison", "segmentation")
    runs = runs[(runs["downstream_dataset"] == "ade20k") & (runs["lr_scheduler"] == "cosine")
                & (runs["pretrain_dataset"] == "datacomp_1b") & (runs["epoch"] == runs["total_epochs"])
                & runs["gflops"].between(s["min_gflops"], s["max_gflops"]) & (runs["samples_seen"] <= s["max_samples_seen"])]
    runs = runs.assign(err=1 - runs["miou"], family=np.where(runs["model"].str.contains("mammut"), "mammut", "clip"))
    frontier_rows, summary = [], []
    for fam in FAMILIES:
        group = runs[runs["family"] == fam].sort_values(["gflops", "err"], kind="stable")
        front = group[pareto_bins(group["gflops"].to_numpy(), group["err"].to_numpy(), s["pareto_flop_unit"])].copy()
        front["held_out"] = front["gflops"] > s["held_out_above_gflops"]
        frontier_rows.append(front[["family", "model", "samples_seen", "gflops", "miou", "err", "held_out"]])
        audit.fit(front, name=f"seg_{fam}", inputs={"x": "gflops"}, target="err",
                  extrapolation={"held_out": "held_out", "plot_against": "gflops"})
        summary.append({"family": fam, "runs": len(group), "frontier_points": len(front),
                        **audit.fits[f"seg_{fam}"]["natural"]})
    for c in s["compare_at_gflops"]:  # predicted error of CLIP minus MaMMUT: positive = MaMMUT better
        preds = {}
        for fam in FAMILIES:
            law, point, boot = audit.fitted[f"seg_{fam}"]
            preds[fam] = (law.predict(point.theta, {"x": np.array([c])})[0],
                          None if boot is None else law.predict(boot.theta, {"x": np.array([c])})[:, 0])
        samples = None if preds["clip"][1] is None else preds["clip"][1] - preds["mammut"][1]
        gap = audit.add_quantity(f"seg_gap_clip_minus_mammut_at_{c:.0e}", preds["clip"][0] - preds["mammut"][0], samples)
        if samples is not None:  # is the gap clear of the bootstrap noise? its lower 95% percentile bound
            audit.add_quantity(f"seg_gap_clip_minus_mammut_at_{c:.0e}_low95", gap.interval(0.95)[0])
        for fam in FAMILIES:
            audit.add_quantity(f"seg_{fam}.err_at_{c:.0e}", preds[fam][0], preds[fam][1])
    audit.add_table("segmentation_frontier", pd.concat(frontier_rows),
                    "ADE-20K runs on the Pareto frontier (authors' pareto_bin rule) that the laws are fitted to; "
                    "err = 1 - mIoU; held_out marks the runs the extrapolation check predicts from the others.")
    audit.add_table("segmentation_fits", pd.DataFrame(summary),
                    "Runs after the authors' filters, frontier points, and the fitted constants of "
                    "err = a (x + b)^c + d (x in GFLOPs) per family, least squares on err as upstream.")


if __name__ == "__main__":
    from replication.cli import main

    main(["run", "nezhurina2025scaling"])
