"""Gadre et al. 2024: loss and downstream-error laws fitted on small runs, predictions of over-trained and larger runs."""

import numpy as np
import pandas as pd

from replication.audit import Audit

DATASET, SPLITS = "gadre-overtraining", {"err46": "46-task average top-1 error", "err17": "17-task average top-1 error"}


def runs(models: pd.DataFrame, audit: Audit) -> pd.DataFrame:
    """Fitting runs (in the protocol's order) and the two targets (tag 1b, 7b) per training set, with their errors."""
    s, m, loss = audit.paper.protocol.settings, models, audit.paper.protocol.settings["loss_column"]
    pairs, key = [tuple(p) for p in s["loss_fit_runs"] + [s["downstream_extra_run"]]], list(zip(m["config"], m["chinchilla_multiplier"], m["dataset"]))
    m = m.assign(M=20 * m["chinchilla_multiplier"], compute=6 * m["params"] * m["tokens"], label=m["dataset"].map(s["labels"]),
                 eval_noise_pct=100 * (m[f"{loss}_tok_hi95"] - m[f"{loss}_tok_lo95"]) / 2 / m[loss], order=[pairs.index(k[:2]) if k[:2] in pairs else len(pairs) for k in key],
                 tag=[{("open_lm_1b", s["overtrained_multiplier"].get(d)): "1b", ("open_lm_7b", 1.0): "7b"}.get((c, x), "") for c, x, d in key])
    m = m[(m["order"] < len(pairs)) | (m["tag"] != "")].sort_values("order", kind="stable").assign(fit_loss=lambda f: f["order"] < len(pairs) - 1)
    if len(m) != len(s["labels"]) * (len(pairs) + 2) or m.duplicated(["label", "order", "tag"]).any():
        raise ValueError(f"{DATASET} models: expected each fitting run {pairs} and two targets once per training set")
    for i, name in zip(m.index, m["name"]):
        icl = {c.split(".")[-1]: float(v) for c, v in audit.table(DATASET, f"eval/{name}").loc[0].items() if c.startswith("eval_metrics.icl.")}
        m.loc[i, "err46"], m.loc[i, "err17"] = np.mean([1 - v for v in icl.values()]), np.mean([1 - icl[t] for t in s["subset_17"]])
    return m.assign(run=[f"{n} (N = {p:.3g}, M = {x:g})" for n, p, x in zip(m["name"], m["params"], m["M"])])


def replicate(audit: Audit) -> None:
    s, loss, pts, rows = audit.paper.protocol.settings, audit.paper.protocol.settings["loss_column"], runs(audit.table(DATASET, "models"), audit), []
    audit.run_fits({"runs": lambda _, a: pts})
    for ds, label in s["labels"].items():
        t = pts[(pts["label"] == label) & (pts["tag"] != "")].sort_values("tag")
        pred = {"loss": audit.predict_targets(f"loss_{label}", t, loss).assign(**{"eval noise % (loss, 95% half-width)": t["eval_noise_pct"].to_numpy()})}
        for split in SPLITS:
            pred[split] = audit.predict_targets(f"{split}_{label}", t, split, inputs={"L": pred["loss"]["predicted"]}, note="; targets predicted from their predicted loss")
            pred[split]["relative error % from measured loss"] = 100 * (audit.predict(f"{split}_{label}", {"L": t[loss]}) - t[split]).abs().to_numpy() / t[split].to_numpy()
        for metric, p in pred.items():
            audit.quantities_from(p.assign(tag=t["tag"].to_numpy()), {"relative error %": f"relerr_pct_{metric}_{label}_{{tag}}",
                                  "compute ratio": f"compute_ratio_{'loss' if metric == 'loss' else 'err'}_{label}_{{tag}}"})
            rows.append(p.assign(**{"training set": s["training_sets"][ds], "quantity": SPLITS.get(metric, "C4 validation loss")}))
    audit.add_table("predictions", pd.concat(rows, ignore_index=True))
