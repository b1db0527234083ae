"""Llama 3 (Section 3.2.1): per-budget quadratic IsoFLOP minima, the compute-optimal token law D*(C) = A C^alpha,
its bootstrap (points resampled within each budget, everything refitted) and the extrapolation to the flagship budget.
"""

from replication.audit import Audit


def replicate(audit: Audit) -> None:
    target = float(audit.paper.protocol.settings["compute_budgets"][0])
    t = f"{target:.3g}"
    res = audit.run_fits()["main"]
    boot, fit = res.boot, res.fit
    audit.add_table("budgets", audit.budget_table(res), "Per-budget quadratic fits of the loss in log tokens: the minimum "
                    f"D*, with the 95% interval of D* over the within-budget bootstrap ({boot.n} resamples)")
    labels = {"alpha": "alpha", "A": "A", "a_alloc": "a = 1 - alpha (N* ~ C^a)", f"D_opt@{t}": f"D* at {t} FLOP (tokens)",
              f"N_opt@{t}": f"N = C / (6 D*) at {t} FLOP (parameters)",
              f"tokens_per_param@{t}": f"tokens per parameter at {t} FLOP"}
    audit.add_table("law", audit.power_law_table("main", res, labels),
                    f"The compute-optimal token law D* = A C^alpha fitted by least squares in log-log on the "
                    f"{fit.n} per-budget minima, and its extrapolation. Bootstrap: {boot.description} "
                    f"({boot.n} resamples, {boot.n_dropped} budget-resamples without a minimum left out). Asymptotic: "
                    "t-interval of the log-log regression treating the minima as exact (no uncertainty from the "
                    "quadratic fits).")
    audit.curves_figure("isoflops", "main", res, "training tokens D", "validation loss (as plotted)",
                        "The 133 digitised IsoFLOP points with the second-degree polynomial (in log tokens) fitted to "
                        "each budget and its minimum.")
    claimed = audit.paper.claim("D_opt").value
    audit.optimum_figure("token_law", [(f"per-budget minima; fit alpha = {fit.exponent:.3f}, A = {fit.coef:.3f}", res)],
                         "compute-optimal training tokens D*", f"dubey2024llama: D* = A C^alpha extrapolated to {t} FLOP",
                         f"Per-budget minima, the fitted token law and its 95% within-budget bootstrap band, "
                         f"extrapolated to {t} FLOP; the star is the paper's 16.55T tokens (unverified).",
                         upto=target, marks=[(target, claimed, f"claimed {claimed / 1e12:.2f}T tokens")])
