"""Choshen et al. 2024: predict the last 30% of GPT-3 175B's curve from the smaller GPT-3 models' curves with the
Chinchilla form in (N, tokens seen), scored by absolute relative error (ARE)."""

import numpy as np
import pandas as pd

from replication.audit import Audit
from replication.checks.extrapolation import extrapolation_errors
from replication.errors import DataError
from replication.fitting import make_objective
from replication.fitting.groups import fit_and_score
from replication.laws import get_law

DATASET = "colpret-hitchhiker"
UNITS = {"M": 1e6, "B": 1e9}


def curves(audit: Audit) -> pd.DataFrame:
    """Validation-loss points with N (parameters, from the model table) and D (tokens seen)."""
    pts = audit.table(DATASET, "gpt3_curves").dropna(subset=["val_loss"]).reset_index(drop=True)
    models = audit.table(DATASET, "gpt3_models")
    sizes = {}
    for short in sorted(pts["model"].unique()):  # ColPret's rule: the table row whose name contains the short name
        rows = models[models["model_name"].str.lower().str.contains(short.lower(), regex=False)]
        if len(rows) != 1:
            raise DataError(f"{DATASET}/gpt3_metadata.csv", "model_name", f"{len(rows)} rows match model '{short}'",
                            "each curve's model must name exactly one row of the model table")
        text = rows["num_params"].iloc[0].strip()
        sizes[short] = float(text[:-1]) * UNITS[text[-1].upper()]
    pts["N"] = pts["model"].map(sizes)
    pts["D"] = pts["step"] * 1e9
    return pts


def split(pts: pd.DataFrame, s: dict, n_models: int | None = None, fraction: float = 1.0, cut: float = 0.0):
    """(training points, target points): the n smallest non-target models below fraction x their largest D and
    above the cut; the target model's points at or beyond target_fraction of its tokens."""
    target = pts[pts["model"] == s["target_model"]]
    target = target[target["D"] >= s["target_fraction"] * target["D"].max()]
    others = pts[pts["model"] != s["target_model"]]
    order = others.groupby("model")["N"].first().sort_values().index
    train = others[others["model"].isin(order[: n_models or len(order)])]
    top = train["D"].max()
    return train[(train["D"] > cut) & (train["D"] < fraction * top)], target


def replicate(audit: Audit) -> None:
    s = audit.paper.protocol.settings
    law = get_law("chinchilla")
    objective = make_objective(audit.paper.protocol.objective)
    pts = curves(audit)
    inputs = {"N": "N", "D": "D"}
    fits = {}
    _, target = split(pts, s)
    for name, (train, note) in {
        "cut_10B": (split(pts, s, cut=s["cut_tokens"])[0], "all 7 smaller models, points beyond 10B tokens"),
        "no_cut": (split(pts, s)[0], "all 7 smaller models, every point"),
        "final_only": (final_points(pts, s), f"each smaller model's last {1 - s['final_fraction']:.0%} of tokens"),
    }.items():
        audit.fit(train, name=name, law=law.name, inputs=inputs, target="val_loss", extrapolation={}, plot_against="D")
        fits[name] = record(audit, name, train, target, note)
    train = split(pts, s, cut=s["cut_tokens"])[0]
    audit.fit(train, name="huber_log", law=law.name, objective={"name": "huber", "delta": 1e-3}, inputs=inputs,
              target="val_loss", extrapolation={}, plot_against="D")
    fits["huber_log"] = record(audit, "huber_log", train, target, "as cut_10B, Hoffmann criterion")

    audit.add_quantity("are_cut", fits["cut_10B"])
    audit.add_quantity("are_no_cut", fits["no_cut"])
    audit.add_quantity("are_final_only", fits["final_only"])
    audit.add_quantity("are_huber_log", fits["huber_log"])
    audit.add_quantity("points_dropped_by_cut", len(split(pts, s)[0]) - len(train))
    audit.add_quantity("are_ratio_final_only_over_all", fits["final_only"] / fits["cut_10B"])

    guess = np.array([[s["guess"][p] for p in law.params]])
    rows = []
    for m in range(2, pts.loc[pts["model"] != s["target_model"], "model"].nunique() + 1):
        for p in s["train_fractions"]:
            tr, _ = split(pts, s, n_models=m, fraction=p, cut=s["cut_tokens"])
            rows.append({"models": m, "fraction": p, "points": len(tr)} | score(law, objective, guess, tr, target))
    grid = pd.DataFrame(rows)
    audit.add_quantity("best_grid_are", grid["are"].min())
    table = grid.pivot(index="models", columns="fraction", values="are").rename(columns=lambda p: f"p={p:g}")
    audit.add_table("grid", table.reset_index(),
                    "ARE on the 175B model's last 30% of tokens, fitting the m smallest models (rows) on the first "
                    "fraction p of their tokens (columns), beyond 10B tokens; authors' guess as the start "
                    f"({int(grid['converged'].sum())} of {len(grid)} fits converged).")
    cuts = [{"cut_tokens": c, "points": len(split(pts, s, cut=c)[0])} | score(law, objective, guess, split(pts, s, cut=c)[0], target)
            for c in s["cut_sensitivity"]]
    audit.add_table("cut_sensitivity", pd.DataFrame(cuts),
                    "ARE of the headline fit (all 7 smaller models, whole curves) when the points up to a token count "
                    "are dropped; the paper's setting is 1e10.")


def final_points(pts: pd.DataFrame, s: dict) -> pd.DataFrame:
    """Each smaller model's points in the last (1 - final_fraction) of its tokens."""
    train, _ = split(pts, s)
    last = train.groupby("model")["D"].transform("max")
    return train[train["D"] >= s["final_fraction"] * last]


def record(audit: Audit, name: str, train: pd.DataFrame, target: pd.DataFrame, note: str) -> float:
    """Predict the target points with fit ``name``, record the extrapolation row, return the ARE."""
    X = {"N": target["N"].to_numpy(), "D": target["D"].to_numpy()}
    errors = extrapolation_errors(target["val_loss"].to_numpy(), audit.predict(name, X))
    in_sample = audit.predict(name, {"N": train["N"].to_numpy(), "D": train["D"].to_numpy()})
    errors["in_sample_are"] = extrapolation_errors(train["val_loss"].to_numpy(), in_sample)["are"]
    audit.add_extrapolation(name, errors, split_column="model, D", n_fit=len(train), n_held_out=len(target),
                            note=f"{note}; target: 175B model, last 30% of its tokens")
    return errors["are"]


def score(law, objective, guess, train: pd.DataFrame, target: pd.DataFrame) -> dict:
    """ARE of a fit from the authors' guess, with its convergence flag."""
    out = fit_and_score(law, objective, guess, {"N": train["N"].to_numpy(), "D": train["D"].to_numpy()},
                        train["val_loss"].to_numpy(), {"N": target["N"].to_numpy(), "D": target["D"].to_numpy()},
                        target["val_loss"].to_numpy())
    return {"are": out["are"], "converged": out["converged"]}


if __name__ == "__main__":
    from replication.cli import main

    main(["run", "choshen2024hitchhiker"])
