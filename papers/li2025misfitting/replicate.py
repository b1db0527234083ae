"""Li et al. 2025: three fits to the authors' final checkpoints and the tokens per parameter each implies."""

import numpy as np
import pandas as pd

from replication.audit import Audit
from replication.fitting.isoflop import isoflop_minima, tokens_per_param

LOSS = "C4 Eval Loss"


def replicate(audit: Audit) -> None:
    settings = audit.paper.protocol.settings
    budget = float(settings["compute_budgets"][0])
    tag = f"tokens_per_param@{budget:.3g}"
    runs = audit.table("misfitting", "final_checkpoints")
    inputs = {"N": "N", "D": "D"}

    # (a) Hoffmann form and (b) the same form with alpha = beta, same points, same bootstrap resamples
    audit.fit(runs, inputs=inputs, target=LOSS, plot_against="C_6ND")
    audit.fit(runs, name="tied", law="chinchilla_tied", inputs=inputs, target=LOSS, plot_against="C_6ND")

    # (c) IsoFLOP: per-budget optimal size, then N* = k C^a through the optima
    iso = settings["isoflop"]
    grid = iso["budgets"]
    budgets = float(grid["first"]) * float(grid["factor"]) ** np.arange(int(grid["count"]))
    variants = {
        "isoflop": ("akima", runs["C_6ND"]),
        "isoflop_as_coded": ("akima", runs["C_6ND"] / 2),  # each run credited with half its compute, as coded
        "isoflop_parabola": ("parabola", runs["C_6ND"]),
    }
    minima_tables = []
    for name, (method, compute) in variants.items():
        minima = isoflop_minima(compute, runs["N"], runs[LOSS], budgets, tolerance=iso["tolerance"], method=method,
                                points_per_interval=iso["points_per_interval"])
        optima = minima.dropna(subset=["N_star"])
        audit.fit(optima, name=name, law="compute_optimal", inputs={"C": "budget"}, target="N_star",
                  objective=iso["objective"], starts=iso["starts"], bootstrap={"n": 0}, extrapolation={},
                  plot_against="budget")
        k, a = audit.quantities[f"{name}.k"].value, audit.quantities[f"{name}.a"].value
        audit.add_quantity(f"{name}.{tag}", float(tokens_per_param(k, a, budget)), n_points=len(optima))
        minima_tables.append(minima.assign(analysis=name))

    # sensitivity of the Hoffmann form to the points and to parameter counting
    best_lr = runs.loc[runs.groupby(["N", "D"])[LOSS].idxmin()]
    audit.fit(best_lr, name="lr_opt", inputs=inputs, target=LOSS, bootstrap={"n": 0}, extrapolation={},
              plot_against="C_6ND")
    audit.fit(runs, name="no_emb", inputs={"N": "N_no_emb", "D": "D"}, target=LOSS, bootstrap={"n": 0},
              extrapolation={}, plot_against="C_6ND_no_emb")

    # the spread between the three approaches, and the paired ratio of the two parametric forms
    main, tied = audit.quantities[tag], audit.quantities[f"tied.{tag}"]
    values = [main.value, tied.value, audit.quantities[f"isoflop.{tag}"].value]
    audit.add_quantity(f"tokens_per_param_spread@{budget:.3g}", max(values) / min(values))
    paired = None if main.samples is None else tied.samples / main.samples
    audit.add_quantity(f"tokens_per_param_ratio_tied_main@{budget:.3g}", tied.value / main.value, paired, len(runs))

    described = {  # fit: (form, data, claim holding the authors' value)
        "main": ("Hoffmann form", "all final checkpoints, N with embeddings", "hoffmann_tpp"),
        "tied": ("Hoffmann form, alpha = beta", "all final checkpoints, N with embeddings", "tied_tpp"),
        "isoflop": ("IsoFLOP, Akima minima", "per-budget optima, C = 6 N D", "isoflop_tpp"),
        "isoflop_as_coded": ("IsoFLOP, Akima minima", "per-budget optima, each run at half its compute",
                             "isoflop_tpp_as_coded"),
        "isoflop_parabola": ("IsoFLOP, parabola minima", "per-budget optima, C = 6 N D", None),
        "lr_opt": ("Hoffmann form", "best learning rate per (N, D)", None),
        "no_emb": ("Hoffmann form", "all final checkpoints, N without embeddings", None),
    }
    rows = []
    for name, (form, data, claim) in described.items():
        q = audit.quantities[tag if name == "main" else f"{name}.{tag}"]
        low, high = q.interval(0.95)
        rows.append({"fit": name, "form": form, "data": data, "points": audit.fits[name]["n_points"],
                     "tokens per parameter": q.value, "95% low": low, "95% high": high,
                     "authors' value": audit.paper.claim(claim).value if claim else np.nan})
    audit.add_table("tokens_per_param", pd.DataFrame(rows),
                    f"Compute-optimal training tokens per parameter at {budget:.3g} FLOP implied by each fit "
                    "(95% bootstrap percentile interval where the fit has a bootstrap), and the value in the "
                    "authors' saved output where there is one")
    minima = pd.concat(minima_tables, ignore_index=True)
    audit.add_table("isoflop_minima", minima[["analysis", "budget", "n_runs", "n_sizes", "N_star", "loss_star", "note"]],
                    "IsoFLOP minima per compute budget: runs within 10% of the budget, model sizes among them, and the "
                    "loss-optimal size where it lies inside the range of sizes")


if __name__ == "__main__":
    from replication.cli import main

    main(["run", "li2025misfitting"])
