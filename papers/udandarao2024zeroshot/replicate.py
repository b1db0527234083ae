"""Udandarao et al. 2024: zero-shot accuracy per class against log10 concept count, per model, binned and per dataset."""

import numpy as np
import pandas as pd

from replication.audit import Audit
from replication.checks.trend import binned_means, lines
from replication.data import lookup

DATASET, MODEL = "frequency-determines-performance", r"^backbone(?P<arch>.+)_pretrained(?P<pretraining>[a-z0-9]+)$"


def points(_, audit: Audit) -> pd.DataFrame:
    """One row per (downstream class, model) with the class's concept count in that model's pretraining set."""
    s, files, frames = audit.paper.protocol.settings, audit.files(DATASET), []
    for down in [k.split("/", 1)[1] for k in files if k.startswith("results/")]:
        acc = audit.table(DATASET, f"results/{down}").query("part == 'classwise'")
        acc = acc.join(acc["model"].str.extract(MODEL)).assign(concept=lambda a: a["concept"].str.replace("_", " ").replace(s["concept_aliases"].get(down, {})))
        for pre in [p for p in s["pretraining_sets"] if f"counts/{down}/{p}" in files]:
            c = audit.table(DATASET, f"counts/{down}/{pre}").assign(concept=lambda t: t["concept"].str.replace("_", " "))
            frames.append(lookup(acc[acc["pretraining"] == pre], c, "concept", f"{DATASET} counts/{down}/{pre}").assign(downstream=down))
    p = pd.concat(frames, ignore_index=True).sort_values(["pretraining", "arch"], kind="stable")
    return p.assign(fit=(p["pretraining"] + "_" + p["arch"]).str.replace("-", "_").str.lower(), log10_count=np.log10(p["count"].clip(lower=1)))


def replicate(audit: Audit) -> None:
    s, pts, key = audit.paper.protocol.settings, points(None, audit), ["pretraining", "arch", "fit"]
    audit.add_quantity("n_points", float(len(pts)))
    audit.add_quantity("n_zero_count_set_aside", float((pts["count"] <= 0).sum()))
    audit.run_fits({"points": lambda _, a: pts})
    used = pts[pts["count"] > 0]
    binned = lines(binned_means(used, key, "count", "accuracy", min_size=s["min_concepts_per_bin"]), key, "log10_centre", "mean")
    audit.quantities_from(binned, {"r": "{fit}.binned_pearson_r", "p": "{fit}.binned_pearson_p", "slope": "{fit}.binned_slope"})
    b = audit.constants(list(binned["fit"]), 0.95, long=True).query("constant == 'b'").set_axis(binned.index)
    audit.add_table("pooled", binned[["pretraining", "arch"]].assign(
        classes=used.groupby(key).size().to_numpy(), slope_per_decade=b["value"], slope_low95=b["95% low"], slope_high95=b["95% high"],
        slope_zeros_as_count_plus_1=lines(pts.assign(x=np.log10(pts["count"] + 1)), key, "x", "accuracy")["slope"].to_numpy(),
        bins=binned["n"], binned_slope=binned["slope"], binned_r=binned["r"], binned_p=binned["p"]))
    audit.add_table("per_dataset", lines(used, ["pretraining", "arch", "downstream"], "log10_count", "accuracy", min_size=s["min_classes_per_dataset"])
                    .rename(columns={"n": "classes", "slope": "slope_per_decade", "r": "pearson_r"}).drop(columns="intercept"))
