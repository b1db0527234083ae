"""Li et al. 2025: three fits to the authors' final checkpoints and the tokens per parameter each implies."""

import pandas as pd

from replication.audit import Audit

LOSS = "C4 Eval Loss"
DESCRIBED = {  # fit: (form, data, claim holding the authors' value)
    "main": ("Hoffmann form", "all final checkpoints, N with embeddings", "hoffmann_tpp"),
    "tied": ("Hoffmann form, alpha = beta", "all final checkpoints, N with embeddings", "tied_tpp"),
    "isoflop": ("IsoFLOP, Akima minima", "per-budget optima, C = 6 N D", "isoflop_tpp"),
    "isoflop_as_coded": ("IsoFLOP, Akima minima", "per-budget optima, each run at half its compute", "isoflop_tpp_as_coded"),
    "isoflop_parabola": ("IsoFLOP, parabola minima", "per-budget optima, C = 6 N D", None),
    "lr_opt": ("Hoffmann form", "best learning rate per (N, D)", None),
    "no_emb": ("Hoffmann form", "all final checkpoints, N without embeddings", None)}


def half_compute(runs: pd.DataFrame, audit: Audit) -> pd.DataFrame:
    """Each run credited with half its compute, as the authors' code does (see the protocol's choices)."""
    return runs.assign(C_half=runs["C_6ND"] / 2)


def best_learning_rate(runs: pd.DataFrame, audit: Audit) -> pd.DataFrame:
    """The lowest-loss run of every (N, D) configuration."""
    return runs.loc[runs.groupby(["N", "D"])[LOSS].idxmin()]


def replicate(audit: Audit) -> None:
    out = audit.run_fits({"half_compute": half_compute, "best_learning_rate": best_learning_rate})
    tag = f"tokens_per_param@{float(audit.paper.protocol.settings['compute_budgets'][0]):.3g}"
    audit.spread(f"tokens_per_param_spread{tag[16:]}", [tag, f"tied.{tag}", f"isoflop.{tag}"])
    audit.ratio(f"tokens_per_param_ratio_tied_main{tag[16:]}", f"tied.{tag}", tag, out["main"]["n_points"])
    audit.add_table("tokens_per_param", audit.quantity_rows(DESCRIBED, tag), f"Compute-optimal training tokens per "
                    f"parameter at {tag[17:]} FLOP implied by each fit (95% bootstrap percentile interval where the fit "
                    "has a bootstrap), and the value in the authors' saved output where there is one")
    minima = pd.concat([out[n].minima.assign(analysis=n) for n in DESCRIBED if n.startswith("isoflop")], ignore_index=True)
    audit.add_table("isoflop_minima", minima[["analysis", "budget", "n_runs", "n_sizes", "N_star", "loss_star", "note"]],
                    "IsoFLOP minima per compute budget: runs within 10% of the budget, model sizes among them, and the "
                    "loss-optimal size where it lies inside the range of sizes")
