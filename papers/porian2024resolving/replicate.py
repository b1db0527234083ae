"""Porian et al. 2024: the compute-optimal exponent a of N* = k C^a for every released configuration.

Per configuration: weighted log-log regression of the authors' per-budget optima (weights 1 / std(ln N*)^2) with
its asymptotic interval and a seeded parametric bootstrap; the authors' stored fits for comparison; the optima
recomputed from the raw IsoFLOP points by Akima interpolation as a cross-check; and an extrapolation check.
"""

from __future__ import annotations

import zlib

import numpy as np
import pandas as pd

from replication.audit import Audit
from replication.checks.extrapolation import extrapolation_errors
from replication.fitting.isoflop import budget_optima
from replication.fitting.loglog import ASYMPTOTIC, bootstrap_power_law, fit_power_law
from replication.report.optimal_figures import Series, exponent_steps_figure, optimum_law_figure

FIELDS = ["dataset", "hparams", "warmup", "decay", "param_count", "val"]
# The paper's sequence of changes, from a reproduction of Kaplan et al.'s setting to a Chinchilla-like one
# (labels as in the authors' configs.py), and the series it is run in.
STEPS = {
    ("base", "long", "kaplan", "kaplan", "train"): ("kaplan_repro", 1, "Reproducing Kaplan et al."),
    ("base", "long", "kaplan", "standard", "val"): ("last_layer", 2, "Counting last layer FLOPs"),
    ("base", "short", "kaplan", "standard", "val"): ("warmup", 3, "Correcting warmup"),
    ("base", "short", "chinchilla", "standard", "val"): ("cosine", 4, "Cosine decay"),
    ("tuned", "short", "const", "standard", "val"): ("tuned", 5, "Optimizer tuning (no decay)"),
    ("base", "long", "kaplan", "attention", "train"): ("kaplan_repro", 1, "Reproducing Kaplan et al."),
    ("base", "short", "kaplan", "attention", "train"): ("warmup", 3, "Correcting warmup"),
    ("base", "short", "chinchilla", "attention", "train"): ("cosine", 4, "Cosine decay"),
    ("tuned", "short", "const", "attention", "train"): ("tuned", 5, "Optimizer tuning (no decay)"),
    ("tuned", "long", "const", "kaplan", "train"): ("kaplan_tuned", 0, "Kaplan counting with tuned optimiser"),
}
SERIES = {("rw", False): ("rw", "RefinedWeb"), ("owt2", False): ("owt2", "OpenWebText2"),
          ("rw", True): ("rw_att", "RefinedWeb, attention FLOPs counted")}


def config_slug(row) -> tuple[str, str, int, str]:
    """(slug, series label, step number, step label) of a configuration row."""
    slug, step, label = STEPS[tuple(row[f] for f in FIELDS[1:])]
    prefix, series = SERIES[(row["dataset"], row["param_count"] == "attention")]
    return f"{prefix}_{slug}", series, step, label


def replicate(audit: Audit) -> None:
    proto = audit.paper.protocol
    n_boot = audit.n_boot()
    seed = int(proto.bootstrap["seed"])
    budgets = [float(c) for c in proto.settings["compute_budgets"]]
    holdout = float(proto.settings["holdout_from"])
    level = 0.95

    optima = audit.table("porian-discrepancies", "optimal_pairs")
    points = audit.table("porian-discrepancies", "isoflop_points")
    stored = audit.table("porian-discrepancies", "fit_results").set_index(FIELDS + ["fit"]).sort_index()

    raw_points = dict(tuple(points.groupby(FIELDS)))
    rows, fits = [], {}
    for key, g in optima.groupby(FIELDS, sort=False):
        cfg = dict(zip(FIELDS, key))
        slug, series, step, label = config_slug(cfg)
        g = g.dropna(subset=["n"]).sort_values("flops")  # budgets whose optimum is at the edge have no N*
        C, n_star, sd = g["flops"].to_numpy(), g["n"].to_numpy(), g["n_star_std"].to_numpy()
        what = f"porian-discrepancies optimal_pairs, configuration {slug}"
        fit = fit_power_law(C, n_star, sd, what=what)
        boot = bootstrap_power_law(C, n_star, sd, n_boot=n_boot, seed=(seed, zlib.crc32(slug.encode())), what=what)
        fits[slug] = (g, fit, boot)
        q = audit.add_quantity(f"a_alloc.{slug}", fit.exponent, boot.exponent, n_points=fit.n,
                               interval_kind=boot.description)
        for c in budgets:  # allocation at a budget; D from the configuration's own FLOP count, C = 6 N D
            tag = f"{c:.3g}"
            n_c, n_b = fit.predict(c), boot.predict(c)
            audit.add_quantity(f"N_opt@{tag}.{slug}", float(n_c), n_b, fit.n, boot.description)
            audit.add_quantity(f"D_opt@{tag}.{slug}", float(c / (6 * n_c)), c / (6 * n_b), fit.n, boot.description)
            audit.add_quantity(f"tokens_per_param@{tag}.{slug}", float(c / (6 * n_c**2)), c / (6 * n_b**2), fit.n,
                               boot.description)

        # cross-check: the optimum of every budget recomputed from the raw IsoFLOP points (Akima, no noise)
        raw = budget_optima(raw_points[key], "flops", "n", "loss", method="akima")
        both = raw.merge(g[["flops", "n_star_std"]], on="flops").query("valid")
        raw_fit = fit_power_law(both["flops"], both["x_opt"], both["n_star_std"], what=what + " (raw points)")

        # extrapolation check: fit the budgets below the threshold, predict N* at the larger ones
        low = C < holdout
        sub = fit_power_law(C[low], n_star[low], sd[low], what=what + " (smaller budgets)")
        audit.add_extrapolation(f"a_alloc.{slug}", extrapolation_errors(n_star[~low], sub.predict(C[~low])),
                                split_column="flops", threshold=holdout, n_fit=int(low.sum()),
                                n_held_out=int((~low).sum()),
                                note="per-budget optima N*: weighted power law on the smaller budgets, relative error "
                                     "of N* predicted at the held-out larger budgets")

        st = stored.loc[tuple(key)]
        a_lo, a_hi = q.interval(level)
        s_lo, s_hi = fit.exponent_interval(level)
        rows.append({"series": series, "step": step, "configuration": label, "slug": slug, **cfg,
                     "budgets": fit.n, "a": fit.exponent, "boot_low": a_lo, "boot_high": a_hi,
                     "asym_low": s_lo, "asym_high": s_hi, "r2": fit.r2,
                     "a_stored_weighted": float(st.loc["bs_median_weighted", "n_exponent"]),
                     "a_stored_unweighted": float(st.loc["basic", "n_exponent"]),
                     "a_unweighted": fit_power_law(C, n_star).exponent,
                     "a_raw_akima": raw_fit.exponent, "raw_budgets": raw_fit.n})
    table = pd.DataFrame(rows)
    _tables(audit, table, level, f"{boot.description} ({boot.n} draws per configuration)")
    _allocation(audit, table["slug"], budgets, level)
    _figures(audit, table, fits, level)


def _tables(audit: Audit, t: pd.DataFrame, level: float, boot_kind: str) -> None:
    r4 = lambda v: round(float(v), 4)  # noqa: E731  (four decimals: the precision the comparison needs)
    comp = pd.DataFrame({
        "configuration": t["slug"], "dataset": t["dataset"], "step": t["configuration"], "budgets": t["budgets"],
        "a (replicated, weighted)": t["a"].map(r4), "a (authors, weighted)": t["a_stored_weighted"].map(r4),
        "difference": (t["a"] - t["a_stored_weighted"]).map(lambda v: float(f"{v:.2g}")),
        "a (replicated, unweighted)": t["a_unweighted"].map(r4),
        "a (authors, unweighted)": t["a_stored_unweighted"].map(r4),
        "a (raw points, Akima)": t["a_raw_akima"].map(r4), "R^2": t["r2"].map(r4)})
    audit.add_table("authors_fits", comp, "Exponent a of N* = k C^a per configuration: the replication's weighted "
                    "log-log regression on the released per-budget optima against the authors' stored fits "
                    "(fit_results.csv, 'bs_median_weighted' and 'basic'), and the same regression on optima recomputed "
                    "here from the raw IsoFLOP points by Akima interpolation (without the noise bootstrap)")

    out = []
    out.append({"order": "ref", "change": "Kaplan et al. law (WebText2)", "reference a": 0.88})
    for step in range(1, 6):
        rec = {"order": str(step)}
        for series, col in (("RefinedWeb", "RefinedWeb"), ("OpenWebText2", "OpenWebText2"),
                            ("RefinedWeb, attention FLOPs counted", "RefinedWeb (attention FLOPs)")):
            m = t[(t["series"] == series) & (t["step"] == step)]
            if len(m):
                rec["change"] = m["configuration"].iloc[0]
                rec[f"{col} a"] = r4(m["a"].iloc[0])
                rec[f"{col} {level:.0%} low"] = r4(m["boot_low"].iloc[0])
                rec[f"{col} {level:.0%} high"] = r4(m["boot_high"].iloc[0])
        out.append(rec)
    out.append({"order": "ref", "change": "Hoffmann et al. law (MassiveText)", "reference a": 0.5})
    k = t[t["slug"] == "rw_kaplan_tuned"].iloc[0]
    out.append({"order": "aside", "change": "Kaplan counting, long warmup, tuned optimiser, constant LR",
                "RefinedWeb a": r4(k["a"]), f"RefinedWeb {level:.0%} low": r4(k["boot_low"]),
                f"RefinedWeb {level:.0%} high": r4(k["boot_high"])})
    cols = ["order", "change", "reference a"] + [
        f"{c} {s}" for c in ("RefinedWeb", "OpenWebText2", "RefinedWeb (attention FLOPs)")
        for s in ("a", f"{level:.0%} low", f"{level:.0%} high")]
    audit.add_table("steps", pd.DataFrame(out).reindex(columns=cols),
                    f"The exponent a along the paper's sequence of changes, each row adding one change to the row "
                    f"above; {level:.0%} parametric bootstrap intervals. The 'ref' rows are the values the authors' "
                    "notebook lists for Kaplan et al. and Hoffmann et al.; step 2 changes the FLOP counting and so has "
                    "no attention-counting counterpart; the 'aside' row is the authors' extra configuration")

    asym = t[["slug", "budgets", "a", "asym_low", "asym_high", "boot_low", "boot_high"]].copy()
    for c in asym.columns[2:]:
        asym[c] = asym[c].map(r4)
    asym.columns = ["configuration", "budgets", "a", f"asymptotic {level:.0%} low", f"asymptotic {level:.0%} high",
                    f"bootstrap {level:.0%} low", f"bootstrap {level:.0%} high"]
    audit.add_table("intervals", asym, f"Two {level:.0%} intervals for a: the {ASYMPTOTIC}, and the {boot_kind}")


def _allocation(audit: Audit, slugs, budgets: list[float], level: float) -> None:
    rows = []
    for c in budgets:
        for slug in slugs:
            rec = {"budget (FLOP)": c, "configuration": slug}
            for name, label in (("N_opt", "N_opt"), ("D_opt", "D_opt"), ("tokens_per_param", "tokens per parameter")):
                q = audit.quantities[f"{name}@{c:.3g}.{slug}"]
                lo, hi = q.interval(level)
                rec[label], rec[f"{label} {level:.0%} low"], rec[f"{label} {level:.0%} high"] = q.value, lo, hi
            rows.append(rec)
    audit.add_table("allocation", pd.DataFrame(rows),
                    "Compute-optimal allocation implied by each configuration's power law at the budget(s) given, "
                    "far beyond the data (largest budget 2.56e19 FLOP): N_opt = k C^a, D_opt = C / (6 N_opt) under the "
                    f"configuration's own parameter counting, with {level:.0%} parametric bootstrap intervals")


def _figures(audit: Audit, t: pd.DataFrame, fits: dict, level: float) -> None:
    fig_dir = audit.out_dir / "figures"
    steps = ["Reproducing Kaplan et al.", "Counting last layer FLOPs", "Correcting warmup", "Cosine decay",
             "Optimizer tuning (no decay)"]
    series, stored = {}, {}
    for name in ("RefinedWeb", "OpenWebText2", "RefinedWeb, attention FLOPs counted"):
        m = t[t["series"] == name].set_index("step").reindex(range(1, 6))
        series[name] = (m["a"].to_numpy(), m["boot_low"].to_numpy(), m["boot_high"].to_numpy())
        stored[name] = m["a_stored_weighted"].to_numpy()
    f = exponent_steps_figure(fig_dir / "exponent_steps.png", steps, series,
                              {"Kaplan et al. a = 0.88": 0.88, "Hoffmann et al. a = 0.5": 0.5}, stored,
                              ylabel="a in N* = k C^a", title="porian2024resolving: a along the sequence of changes")
    audit.add_figure(fig_dir / f, f"The exponent a with its {level:.0%} parametric bootstrap interval after each "
                     "change, per dataset; open circles: the authors' stored fits; grey lines: the reference values "
                     "for Kaplan et al. (0.88) and Hoffmann et al. (0.5).")
    lines = []
    for slug in ("rw_kaplan_repro", "rw_last_layer", "rw_warmup", "rw_cosine", "rw_tuned"):
        g, fit, boot = fits[slug]
        cc = np.geomspace(g["flops"].min(), g["flops"].max(), 50)
        band = np.quantile(np.exp(boot.log_coef[:, None] + boot.exponent[:, None] * np.log(cc)),
                           [(1 - level) / 2, (1 + level) / 2], axis=0)
        lines.append(Series(f"{slug} (a = {fit.exponent:.3f})", g["flops"].to_numpy(), g["n"].to_numpy(),
                            g["n_star_std"].to_numpy(), cc, fit.predict(cc), (band[0], band[1])))
    f = optimum_law_figure(fig_dir / "optima_refinedweb.png", lines, "compute C (FLOP)", "optimal model size N*",
                           "porian2024resolving: per-budget optima (RefinedWeb)")
    audit.add_figure(fig_dir / f, "Released per-budget optima N* (bars: +-2 standard deviations from the authors' "
                     "noise bootstrap) with the weighted power law of each RefinedWeb configuration and its "
                     f"{level:.0%} bootstrap band.")


if __name__ == "__main__":
    from replication.cli import main

    main(["run", "porian2024resolving"])
