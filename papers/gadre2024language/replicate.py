"""Gadre et al. 2024: loss and downstream-error laws fitted on small runs, predictions of over-trained and larger runs."""

import numpy as np
import pandas as pd

from replication.audit import Audit
from replication.checks.extrapolation import extrapolation_errors
from replication.report.figures import fit_figure

DATASET = "gadre-overtraining"
SPLITS = {"err46": "46-task average top-1 error", "err17": "17-task average top-1 error"}


def _with_errors(audit: Audit, runs: pd.DataFrame, subset: list[str]) -> pd.DataFrame:
    """The runs with their 46-task and 17-task average top-1 error, read from each run's evaluation file."""
    out = runs.copy()
    for i, name in zip(out.index, out["name"]):
        acc = audit.table(DATASET, f"eval/{name}")
        icl = {c.split(".")[-1]: float(acc.loc[0, c]) for c in acc.columns if c.startswith("eval_metrics.icl.")}
        out.loc[i, "err46"] = np.mean([1 - v for v in icl.values()])
        out.loc[i, "err17"] = np.mean([1 - icl[t] for t in subset])
    return out


def _runs(models: pd.DataFrame, pairs) -> pd.DataFrame:
    """Rows of ``models`` for (config, chinchilla multiplier) pairs, in the order given; each must exist once."""
    rows = [models[(models["config"] == cfg) & (models["chinchilla_multiplier"] == cc)] for cfg, cc in pairs]
    for (cfg, cc), r in zip(pairs, rows):
        if len(r) != 1:
            raise ValueError(f"expected one run {cfg} at chinchilla multiplier {cc}, found {len(r)}")
    return pd.concat(rows)


def replicate(audit: Audit) -> None:
    s = audit.paper.protocol.settings
    loss_col = s["loss_column"]
    models = audit.table(DATASET, "models")
    models["M"] = 20 * models["chinchilla_multiplier"]
    models["compute"] = 6 * models["params"] * models["tokens"]
    loss_half_width = (models[f"{loss_col}_tok_hi95"] - models[f"{loss_col}_tok_lo95"]) / 2
    models["eval_noise_pct"] = 100 * loss_half_width / models[loss_col]
    table = []
    for ds, label in (("rpj", "rpj"), ("rw_original", "rw"), ("c4_original", "c4")):
        sub = models[models["dataset"] == ds]
        fit_runs = _runs(sub, [tuple(p) for p in s["loss_fit_runs"]])
        targets = _runs(sub, [("open_lm_1b", s["overtrained_multiplier"][ds]), ("open_lm_7b", 1.0)])
        targets["tag"] = ["1b", "7b"]
        loss_fit = f"loss_{label}"
        audit.fit(fit_runs, name=loss_fit, inputs={"N": "params", "M": "M"}, target=loss_col, extrapolation={},
                  plot_against="compute")
        loss_pred = audit.predict(loss_fit, {"N": targets["params"], "M": targets["M"]})
        down_runs = _with_errors(audit, pd.concat([fit_runs, _runs(sub, [tuple(s["downstream_extra_run"])])]), s["subset_17"])
        targets = _with_errors(audit, targets, s["subset_17"])
        ratios = {"loss": targets["compute"].to_numpy() / fit_runs["compute"].sum(),
                  "err": targets["compute"].to_numpy() / down_runs["compute"].sum()}
        predictions = {"loss": (loss_fit, targets[loss_col].to_numpy(), loss_pred, np.full(2, np.nan))}
        for split in SPLITS:
            name = f"{split}_{label}"
            audit.fit(down_runs, name=name, law="downstream_error", inputs={"L": loss_col}, target=split,
                      starts=s["downstream_starts"], extrapolation={}, plot_against=loss_col)
            predictions[split] = (name, targets[split].to_numpy(), audit.predict(name, {"L": loss_pred}),
                                  audit.predict(name, {"L": targets[loss_col]}))
        for metric, (fit_name, observed, predicted, from_measured) in predictions.items():
            kind = "loss" if metric == "loss" else "err"
            runs = fit_runs if kind == "loss" else down_runs
            inputs = {"N": runs["params"], "M": runs["M"]} if kind == "loss" else {"L": runs[loss_col]}
            column = loss_col if kind == "loss" else metric
            x = np.r_[runs["compute"], targets["compute"]]
            path = audit.out_dir / "figures" / f"{fit_name}_targets.png"
            fit_figure(path, np.r_[runs[column], observed], np.r_[audit.predict(fit_name, inputs), predicted], x,
                       "training compute 6 N D (FLOP)", np.r_[np.zeros(len(runs), bool), np.ones(2, bool)],
                       title=f"{audit.paper.key}: {fit_name}, fitting runs and predicted targets")
            audit.add_figure(path, f"{fit_name}: the runs the law is fitted on and the two predicted targets (red), "
                             "observed against compute with the law's values, and observed against predicted"
                             + ("" if kind == "loss" else "; targets predicted from their predicted loss"))
            n_fit = len(fit_runs) if kind == "loss" else len(down_runs)
            for j, (_, t) in enumerate(targets.iterrows()):
                rel = 100 * abs(predicted[j] - observed[j]) / observed[j]
                audit.add_quantity(f"relerr_pct_{metric}_{label}_{t['tag']}", rel)
                audit.add_quantity(f"compute_ratio_{kind}_{label}_{t['tag']}", ratios[kind][j])
                run = f"{t['name']} (N = {t['params']:.3g}, M = {t['M']:g})"
                audit.add_extrapolation(fit_name, extrapolation_errors([observed[j]], [predicted[j]]), split_column="run",
                                        n_fit=n_fit, n_held_out=1,
                                        note=f"target {run}; {ratios[kind][j]:.0f}x the compute of the fitting runs")
                table.append({
                    "training set": s["training_sets"][ds], "quantity": "C4 validation loss" if metric == "loss" else SPLITS[metric],
                    "target run": run, "compute ratio": ratios[kind][j], "observed": observed[j], "predicted": predicted[j],
                    "relative error %": rel,
                    "relative error % from measured loss": 100 * abs(from_measured[j] - observed[j]) / observed[j],
                    "eval noise % (loss, 95% half-width)": t["eval_noise_pct"] if metric == "loss" else np.nan,
                })
    audit.add_table("predictions", pd.DataFrame(table),
                    "Every prediction of the default protocol: target run, its compute over the compute of the runs the "
                    "law was fitted on (6 N D), observed and predicted value, relative error; for downstream error also the "
                    "error predicted from the target's measured loss, for loss the token-level 95% half-width of the "
                    "measured loss as released")


if __name__ == "__main__":
    from replication.cli import main

    main(["run", "gadre2024language"])
