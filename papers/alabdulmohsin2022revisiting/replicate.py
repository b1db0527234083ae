"""Alabdulmohsin et al. 2022: four learning-curve estimators fitted on each benchmark curve's fit split and
scored on its extrapolation split; which estimator extrapolates best how often."""

import pandas as pd

from replication.audit import Audit
from replication.checks.wins import resample_tasks, win_shares
from replication.fitting import make_objective, start_grid
from replication.fitting.groups import fit_groups
from replication.laws import get_law
from replication.uncertainty.units import bootstrap_groups

DATASET = "revisiting-neural-scaling-laws"
CURVE = ["Domain", "Task", "Model"]


def curves(audit: Audit) -> pd.DataFrame:
    """Both benchmark files, with the held-out flag and examples seen rescaled per curve."""
    runs = pd.concat([audit.table(DATASET, "vision"), audit.table(DATASET, "lang")], ignore_index=True)
    runs["held_out"] = runs["Training"] == 0
    first = runs["Seen Examples"].where(~runs["held_out"]).groupby([runs[c] for c in CURVE]).transform("min")
    runs["x"] = runs["Seen Examples"] / first
    return runs


def replicate(audit: Audit) -> None:
    proto = audit.paper.protocol
    settings = proto.settings
    runs = curves(audit)
    objective = make_objective(proto.objective)
    per_curve, summary = {}, []
    for name, spec in settings["estimators"].items():
        law = get_law(spec["law"])
        res = fit_groups(runs, CURVE, law, objective, start_grid(law.params, spec["starts"]), inputs={"x": "x"},
                         target="Loss", held_out="held_out", source=f"papers/{audit.paper.key}/replicate.py",
                         n_jobs=audit.n_jobs, **settings["fit_options"])
        per_curve[name] = res
        ok = res["error"] == ""
        n_conv = int(res.loc[ok, "converged"].sum())
        errors = {k: res.loc[ok, k].mean() for k in ("are", "max_are", "rmse_log")}
        errors["in_sample_are"] = float("nan")
        audit.add_extrapolation(name, errors, split_column="Training", threshold=float("nan"),
                                n_fit=int(res["n_fit"].sum()), n_held_out=int(res["n_held_out"].sum()),
                                note=f"{law.name}: mean over {int(ok.sum())} curves of per-curve errors "
                                     f"({n_conv} fits converged, {int((~ok).sum())} failed)")
        audit.add_health(name, "converged", n_conv, n_conv == len(res),
                         f"{n_conv} of {len(res)} per-curve fits met the stopping test"
                         + ("" if n_conv == len(res) else "; the others stopped at the iteration cap"))
        summary.append({"estimator": name, "law": law.name, "curves": int(ok.sum()),
                        "converged": n_conv,
                        "mean_rmse_log": res.loc[ok, "rmse_log"].mean(),
                        "median_rmse_log": res.loc[ok, "rmse_log"].median()})

    names = list(per_curve)
    first = per_curve[names[0]]
    table = first[CURVE + ["n_fit", "n_held_out"]].copy()
    rmse = pd.DataFrame({n: per_curve[n]["rmse_log"].where(per_curve[n]["error"] == "") for n in names})
    for n in names:
        table[f"{n}_rmse_log"] = rmse[n]
    shares = win_shares(rmse, decimals=int(settings.get("win_decimals", 3)))
    table["winner"] = [" ".join(n for n in names if row[n] > 0) for _, row in shares.iterrows()]
    n_boot = audit.n_boot()
    groups, unit = bootstrap_groups(first, proto.bootstrap, f"papers/{audit.paper.key}/paper.yaml")
    boot = resample_tasks(shares, n_boot, int(proto.bootstrap.get("seed", 0)), groups) if n_boot > 0 else None
    for j, n in enumerate(names):
        audit.add_quantity(f"{n}_win_share", shares[n].mean(), None if boot is None else boot[:, j], len(shares),
                           interval_kind=f"bootstrap over {unit}")
        audit.add_quantity(f"{n}_wins", shares[n].sum())
    for row in summary:
        row["wins"] = float(shares[row["estimator"]].sum())
        row["win_share"] = float(shares[row["estimator"]].mean())
    audit.add_quantity("curves", len(shares))
    audit.add_table("estimators", pd.DataFrame(summary),
                    "Each estimator over the benchmark's curves: fits, mean and median extrapolation RMSE of log loss, "
                    "and wins (lowest error truncated to 3 decimals; ties shared).")
    audit.add_table("per_curve", table,
                    "Extrapolation RMSE of log loss on each curve's held-out split, per estimator, and the winner(s).")
    by_domain = pd.concat([first[["Domain"]], shares], axis=1).groupby("Domain").sum()
    by_domain.insert(0, "curves", first.groupby("Domain").size())
    audit.add_table("wins_by_domain", by_domain.reset_index(), "Wins per estimator within each domain (ties shared).")


if __name__ == "__main__":
    from replication.cli import main

    main(["run", "alabdulmohsin2022revisiting"])
