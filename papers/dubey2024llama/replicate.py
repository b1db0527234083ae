"""Llama 3 (Section 3.2.1): per-budget quadratic IsoFLOP minima, the compute-optimal token law D*(C) = A C^alpha,
its bootstrap (points resampled within each budget, everything refitted) and the extrapolation to the flagship budget.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from replication.audit import Audit
from replication.report.optimal_figures import Curve, isoflop_figure

BUDGET, TOKENS, LOSS = "compute_budget", "training_tokens", "validation_loss"


def replicate(audit: Audit) -> None:
    target = float(audit.paper.protocol.settings["compute_budgets"][0])
    res = audit.run_fits()["main"]
    points = audit.table("llama3-isoflops", "points")
    _tables(audit, res.minima.rename(columns={"budget": BUDGET}), res.boot, res.fit, target, 0.95, res.n_points)
    _figures(audit, points, res, target, 0.95)


def _tables(audit: Audit, minima: pd.DataFrame, boot, fit, target: float, level: float, n: int) -> None:
    lo_q, hi_q = (1 - level) / 2, (1 + level) / 2
    per = minima.loc[minima["valid"], [BUDGET, "n_points", "x_opt", "loss_opt", "c2", "inside_range"]].copy()
    per["c2"] = per["c2"] * np.log(10) ** 2  # curvature per squared decade of tokens, easier to read
    q = np.nanquantile(boot.x_opt, [lo_q, hi_q], axis=0)
    per[f"D* {level:.0%} low"], per[f"D* {level:.0%} high"] = q[0], q[1]
    per["resamples without a minimum"] = (~np.isfinite(boot.x_opt)).sum(axis=0)
    per = per.rename(columns={BUDGET: "budget (FLOP)", "n_points": "points", "x_opt": "D* (tokens)",
                              "loss_opt": "loss at D*", "c2": "curvature (loss per decade^2)",
                              "inside_range": "minimum inside sampled range"})
    audit.add_table("budgets", per, f"Per-budget quadratic fits of the loss in log tokens: the minimum D*, with the "
                    f"{level:.0%} interval of D* over the within-budget bootstrap ({boot.n} resamples)")

    rows = []
    for name, label in (("alpha", "alpha"), ("A", "A"), ("a_alloc", "a = 1 - alpha (N* ~ C^a)"),
                        (f"D_opt@{target:.3g}", f"D* at {target:.3g} FLOP (tokens)"),
                        (f"N_opt@{target:.3g}", f"N = C / (6 D*) at {target:.3g} FLOP (parameters)"),
                        (f"tokens_per_param@{target:.3g}", f"tokens per parameter at {target:.3g} FLOP")):
        qq = audit.quantities[name]
        lo, hi = qq.interval(level)
        rows.append({"quantity": label, "name": name, "value": qq.value, f"bootstrap {level:.0%} low": lo,
                     f"bootstrap {level:.0%} high": hi})
    asym = {"alpha": fit.exponent_interval(level),
            "A": fit.predict_interval(1.0, level),  # the line at C = 1 is A
            "a_alloc": tuple(1 - v for v in fit.exponent_interval(level)[::-1]),
            f"D_opt@{target:.3g}": fit.predict_interval(target, level),
            f"N_opt@{target:.3g}": tuple(target / (6 * v) for v in fit.predict_interval(target, level)[::-1]),
            f"tokens_per_param@{target:.3g}": tuple(6 * v**2 / target for v in fit.predict_interval(target, level))}
    for r in rows:
        lo, hi = asym.get(r["name"], (float("nan"), float("nan")))
        r[f"asymptotic {level:.0%} low"], r[f"asymptotic {level:.0%} high"] = lo, hi
    audit.add_table("law", pd.DataFrame(rows),
                    f"The compute-optimal token law D* = A C^alpha fitted by least squares in log-log on the "
                    f"{fit.n} per-budget minima, and its extrapolation. Bootstrap: {boot.description} "
                    f"({boot.n} resamples, {boot.n_dropped} budget-resamples without a minimum left out). Asymptotic: "
                    "t-interval of the log-log regression treating the minima as exact (no uncertainty from the "
                    "quadratic fits).")


def _figures(audit: Audit, points: pd.DataFrame, res, target: float, level: float) -> None:
    fig_dir = audit.out_dir / "figures"
    curves = []
    for (c, g), (_, m) in zip(points.groupby(BUDGET, sort=True), res.minima.iterrows()):
        xs = np.geomspace(g[TOKENS].min(), g[TOKENS].max(), 100)
        u = np.log(xs) - m["centre"]
        fitted = m["c0"] + m["c1"] * u + m["c2"] * u**2
        curves.append(Curve(f"{c:.0e}", g[TOKENS].to_numpy(), g[LOSS].to_numpy(), xs, fitted, m["x_opt"], m["loss_opt"]))
    f = isoflop_figure(fig_dir / "isoflops.png", curves, "training tokens D", "validation loss (as plotted)",
                       "dubey2024llama: IsoFLOP curves")
    audit.add_figure(fig_dir / f, "The 133 digitised IsoFLOP points with the second-degree polynomial (in log tokens) "
                     "fitted to each budget and its minimum.")
    claimed = audit.paper.claim("D_opt").value
    audit.optimum_figure("token_law", [(f"per-budget minima; fit alpha = {res.fit.exponent:.3f}, A = {res.fit.coef:.3f}",
                         res)], "compute-optimal training tokens D*",
                         f"dubey2024llama: D* = A C^alpha extrapolated to {target:.3g} FLOP",
                         f"Per-budget minima, the fitted token law and its {level:.0%} within-budget bootstrap band, "
                         f"extrapolated to {target:.3g} FLOP; the star is the paper's 16.55T tokens (unverified).",
                         upto=target, marks=[(target, claimed, f"claimed {claimed / 1e12:.2f}T tokens")])


if __name__ == "__main__":
    from replication.cli import main

    main(["run", "dubey2024llama"])
