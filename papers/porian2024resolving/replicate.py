"""Porian et al. 2024: the compute-optimal exponent a of N* = k C^a for every released configuration.

Per configuration: weighted log-log regression of the authors' per-budget optima (weights 1 / std(ln N*)^2) with
its asymptotic interval and a seeded parametric bootstrap; the authors' stored fits for comparison; the optima
recomputed from the raw IsoFLOP points by Akima interpolation as a cross-check; and an extrapolation check.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from replication.audit import Audit
from replication.fitting.loglog import ASYMPTOTIC
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


def configurations(frame: pd.DataFrame, audit: Audit | None = None) -> pd.DataFrame:
    """The configuration slug, series and step of every row; budgets whose optimum is at the edge have no N*."""
    labels = pd.DataFrame([config_slug(r) for r in frame[FIELDS].to_dict("records")],
                          columns=["slug", "series", "step", "configuration"], index=frame.index)
    return frame.join(labels).dropna(subset=["n"]) if "n_star_std" in frame else frame.join(labels)


def points_at_released_optima(frame: pd.DataFrame, audit: Audit) -> pd.DataFrame:
    """Raw IsoFLOP points at the budgets that have a released optimum, with that optimum's spread."""
    optima = audit.table("porian-discrepancies", "optimal_pairs").dropna(subset=["n"])
    return configurations(frame).merge(optima[FIELDS + ["flops", "n_star_std"]], on=FIELDS + ["flops"])


def replicate(audit: Audit) -> None:
    level = 0.95
    budgets = [float(c) for c in audit.paper.protocol.settings["compute_budgets"]]
    stored = audit.table("porian-discrepancies", "fit_results").set_index(FIELDS + ["fit"]).sort_index()
    out = audit.run_fits({"configurations": configurations, "points_at_released_optima": points_at_released_optima})
    rows, fits = [], {}
    for slug, res in out["main"].items():
        g, fit = res.used, res.fit
        cfg = {f: g[f].iloc[0] for f in FIELDS}
        fits[slug] = (g.assign(flops=g["budget"], n=g["x_opt"]), fit, res.boot)
        a_lo, a_hi = audit.quantities[f"a_alloc.{slug}"].interval(level)
        s_lo, s_hi = fit.exponent_interval(level)
        st = stored.loc[tuple(cfg[f] for f in FIELDS)]
        rows.append({"series": g["series"].iloc[0], "step": g["step"].iloc[0], "configuration": g["configuration"].iloc[0],
                     "slug": slug, **cfg, "budgets": fit.n, "a": fit.exponent, "boot_low": a_lo, "boot_high": a_hi,
                     "asym_low": s_lo, "asym_high": s_hi, "r2": fit.r2,
                     "a_stored_weighted": float(st.loc["bs_median_weighted", "n_exponent"]),
                     "a_stored_unweighted": float(st.loc["basic", "n_exponent"]),
                     "a_unweighted": out["unweighted"][slug].fit.exponent,
                     "a_raw_akima": out["raw_akima"][slug].fit.exponent, "raw_budgets": out["raw_akima"][slug].fit.n})
    table = pd.DataFrame(rows)
    boot = res.boot
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
