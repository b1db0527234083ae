"""Udandarao et al. 2024: per-class zero-shot accuracy against the log of the concept's pretraining frequency,
pooled over the classification datasets per model (a line in log10 frequency), binned as in the paper's figures,
and per downstream dataset."""

import re

import numpy as np
import pandas as pd
from scipy import stats

from replication.audit import Audit
from replication.data import load_dataset_meta

DATASET = "frequency-determines-performance"
MODEL_KEY = re.compile(r"^backbone(?P<arch>.+)_pretrained(?P<pretraining>[a-z0-9]+)$")


def _points(audit: Audit, s: dict) -> pd.DataFrame:
    """One row per (downstream class, model) with the class's concept count in that model's pretraining set."""
    files = [f.key for f in load_dataset_meta(DATASET).files]
    frames = []
    for key in (k for k in files if k.startswith("results/")):
        downstream = key.split("/", 1)[1]
        acc = audit.table(DATASET, key)
        acc = acc[acc["part"] == "classwise"].copy()
        parts = acc["model"].str.extract(MODEL_KEY)
        acc["arch"], acc["pretraining"] = parts["arch"], parts["pretraining"]
        acc["concept"] = acc["concept"].str.replace("_", " ").replace(s["concept_aliases"].get(downstream, {}))
        for pre in s["pretraining_sets"]:
            ckey = f"counts/{downstream}/{pre}"
            if ckey not in files:
                continue
            counts = audit.table(DATASET, ckey)
            counts["concept"] = counts["concept"].str.replace("_", " ")
            sub = acc[acc["pretraining"] == pre].merge(counts, on="concept", how="left", validate="many_to_one")
            if sub["count"].isna().any():
                missing = sub.loc[sub["count"].isna(), "concept"].iloc[0]
                raise ValueError(f"{DATASET} {ckey}: no count for class {missing!r} of {downstream}")
            frames.append(sub.assign(downstream=downstream))
    return pd.concat(frames, ignore_index=True)


def _bins(group: pd.DataFrame, min_concepts: int) -> pd.DataFrame:
    """Mean accuracy in bins of one octave of frequency (powers of 2), keeping bins with enough concepts."""
    octave = np.floor(np.log2(group["count"])).astype(int)
    b = group.groupby(octave)["accuracy"].agg(["mean", "size"]).reset_index(names="octave")
    b["centre"] = 2.0 ** (b["octave"] + 0.5)
    return b[b["size"] >= min_concepts]


def replicate(audit: Audit) -> None:
    s = audit.paper.protocol.settings
    points = _points(audit, s)
    zero = points["count"] <= 0
    audit.add_quantity("n_points", float(len(points)))
    audit.add_quantity("n_zero_count_set_aside", float(zero.sum()))
    with_zeros = points.groupby(["pretraining", "arch"])[["count", "accuracy"]].apply(  # sensitivity: zeros kept
        lambda g: stats.linregress(np.log10(g["count"] + 1), g["accuracy"]).slope)
    points = points[~zero]
    pooled, per_dataset = [], []
    for (pre, arch), group in points.groupby(["pretraining", "arch"], sort=True):
        name = f"{pre}_{arch}".replace("-", "_").lower()
        audit.fit(group, name=name, inputs={"x": "count"}, target="accuracy", extrapolation={}, plot_against="count")
        b = _bins(group, s["min_concepts_per_bin"])
        line = stats.linregress(np.log10(b["centre"]), b["mean"])
        audit.add_quantity(f"{name}.binned_pearson_r", line.rvalue)
        audit.add_quantity(f"{name}.binned_pearson_p", line.pvalue)
        audit.add_quantity(f"{name}.binned_slope", line.slope)
        q = audit.quantities[f"{name}.b"]
        pooled.append({"pretraining": pre, "arch": arch, "classes": len(group), "slope_per_decade": q.value,
                       "slope_low95": q.interval(0.95)[0], "slope_high95": q.interval(0.95)[1],
                       "slope_zeros_as_count_plus_1": with_zeros[(pre, arch)], "bins": len(b), "binned_slope": line.slope, "binned_r": line.rvalue, "binned_p": line.pvalue})
        for downstream, d in group.groupby("downstream", sort=True):
            if len(d) >= s["min_classes_per_dataset"]:
                fit = stats.linregress(np.log10(d["count"]), d["accuracy"])
                per_dataset.append({"pretraining": pre, "arch": arch, "downstream": downstream, "classes": len(d),
                                    "slope_per_decade": fit.slope, "pearson_r": fit.rvalue, "p": fit.pvalue})
    pooled, per_dataset = pd.DataFrame(pooled), pd.DataFrame(per_dataset)
    audit.add_quantity("min_slope_low95", pooled["slope_low95"].min())
    audit.add_quantity("share_models_binned_significant",
                       float(((pooled["binned_p"] < s["significance"]) & (pooled["binned_r"] > 0)).mean()))
    audit.add_quantity("share_dataset_slopes_positive", float((per_dataset["slope_per_decade"] > 0).mean()))
    audit.add_quantity("share_dataset_slopes_significant_positive",
                       float(((per_dataset["p"] < s["significance"]) & (per_dataset["slope_per_decade"] > 0)).mean()))
    audit.add_table("pooled", pooled, "Per pretraining set and architecture: the per-class line acc = a + b log10(count) "
                    "pooled over the classification datasets (b in accuracy points per tenfold frequency, 95% bootstrap "
                    "interval over classes), the same slope with the zero-count classes kept at log10(count + 1), and the line through the octave-binned means (bins with at least "
                    f"{s['min_concepts_per_bin']} classes; Pearson r and its p-value).")
    audit.add_table("per_dataset", per_dataset, "Per downstream dataset, pretraining set and architecture: least-squares "
                    f"slope of accuracy on log10(count) over its classes (datasets with at least {s['min_classes_per_dataset']} "
                    "classes), Pearson r and its p-value.")


if __name__ == "__main__":
    from replication.cli import main

    main(["run", "udandarao2024zeroshot"])
