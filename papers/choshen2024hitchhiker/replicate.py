"""Choshen et al. 2024: GPT-3 175B's last 30% of tokens predicted from the smaller models' curves (Chinchilla form)."""

import pandas as pd

from replication.audit import Audit
from replication.data import match_names

DATASET, UNITS = "colpret-hitchhiker", {"M": 1e6, "B": 1e9}


def curves(audit: Audit) -> pd.DataFrame:
    """Validation-loss points with N (parameters: ColPret's rule, the model-table row naming the curve's model) and D."""
    pts, models = audit.table(DATASET, "gpt3_curves").dropna(subset=["val_loss"]).reset_index(drop=True), audit.table(DATASET, "gpt3_models")
    sizes = match_names(sorted(pts["model"].unique()), models, "model_name", "num_params", f"{DATASET}/gpt3_metadata.csv")
    return pts.assign(N=pts["model"].map({m: float(v.strip()[:-1]) * UNITS[v.strip()[-1].upper()] for m, v in sizes.items()}), D=pts["step"] * 1e9)


def split(pts: pd.DataFrame, s: dict, n_models: int | None = None, fraction: float = 1.0, cut: float = 0.0):
    """(training points: the n smallest other models above the cut, below fraction x their largest D; target points)."""
    target, others = pts[pts["model"] == s["target_model"]], pts[pts["model"] != s["target_model"]]
    train = others[others["model"].isin(others.groupby("model")["N"].first().sort_values().index[:n_models])]
    return train[(train["D"] > cut) & (train["D"] < fraction * train["D"].max())], target[target["D"] >= s["target_fraction"] * target["D"].max()]


def replicate(audit: Audit) -> None:
    s, pts = audit.paper.protocol.settings, curves(audit)
    (every, target), cut = split(pts, s), split(pts, s, cut=s["cut_tokens"])[0]
    final = every[every["D"] >= s["final_fraction"] * every.groupby("model")["D"].transform("max")]
    flags = pts.assign(**{k: pts.index.isin(v.index) for k, v in {"target": target, "every": every, "cut": cut, "final": final}.items()})
    grid = pd.concat([split(pts, s, n_models=m, fraction=p, cut=s["cut_tokens"])[0].assign(models=m, fraction=p, target=False)
                      for m in range(2, pts["model"].nunique()) for p in s["train_fractions"]] + [target.assign(target=True)])
    cuts = pd.concat([split(pts, s, cut=c)[0].assign(cut_tokens=c, target=False) for c in s["cut_sensitivity"]] + [target.assign(target=True)])
    audit.run_fits({"flags": lambda *_: flags, "grid": lambda *_: grid.astype({"models": "Int64"}), "cuts": lambda *_: cuts})
    audit.add_quantity("points_dropped_by_cut", len(every) - len(cut))
    audit.ratio("are_ratio_final_only_over_all", "are_final_only", "are_cut")
    audit.add_quantity("best_grid_are", (g := audit.per_group["grid"][0])["are"].min())
    audit.add_table("grid", g.pivot(index="models", columns="fraction", values="are").rename(columns=lambda p: f"p={p:g}").reset_index(),
                    converged=int(g["converged"].sum()), fits=len(g))
    audit.add_table("cut_sensitivity", audit.per_group["cut_sensitivity"][0].rename(columns={"n_fit": "points"})[["cut_tokens", "points", "are", "converged"]])
