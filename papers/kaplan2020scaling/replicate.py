"""Kaplan et al. 2020: the allocation exponent N_opt ~ C^a, tested against Porian et al.'s reproduction of its setting.

Kaplan et al. released no runs. Porian et al. trained models in Kaplan's setting (non-embedding parameter counting,
long warmup, cosine decay over a long horizon, untuned optimiser, training loss) and released the per-budget
optima; the exponent is refitted here exactly as on the porian2024resolving page (same estimator and seeds).
"""

from __future__ import annotations

import zlib

import numpy as np
import pandas as pd

from replication.audit import Audit
from replication.fitting.loglog import bootstrap_power_law, fit_power_law
from replication.report.optimal_figures import Series, optimum_law_figure

KAPLAN_SETTING = {"hparams": "base", "warmup": "long", "decay": "kaplan", "param_count": "kaplan", "val": "train"}
# slug as on the porian2024resolving page, so both pages draw the same bootstrap stream
REPRODUCTIONS = {"owt2": ("owt2_kaplan_repro", "a_alloc", "OpenWebText2 (open counterpart of WebText2)"),
                 "rw": ("rw_kaplan_repro", "a_alloc.rw_kaplan_repro", "RefinedWeb")}


def replicate(audit: Audit) -> None:
    proto = audit.paper.protocol
    n_boot = audit.n_boot()
    seed = int(proto.bootstrap["seed"])
    level = 0.95
    optima = audit.table("porian-discrepancies", "optimal_pairs")
    setting = (optima[list(KAPLAN_SETTING)] == pd.Series(KAPLAN_SETTING)).all(axis=1)
    rows, lines = [], []
    for dataset, (slug, name, label) in REPRODUCTIONS.items():
        g = optima[setting & (optima["dataset"] == dataset)].dropna(subset=["n"]).sort_values("flops")
        C, n_star, sd = g["flops"].to_numpy(), g["n"].to_numpy(), g["n_star_std"].to_numpy()
        what = f"porian-discrepancies optimal_pairs, Kaplan setting on {dataset}"
        fit = fit_power_law(C, n_star, sd, what=what)
        boot = bootstrap_power_law(C, n_star, sd, n_boot=n_boot, seed=(seed, zlib.crc32(slug.encode())), what=what)
        q = audit.add_quantity(name, fit.exponent, boot.exponent, n_points=fit.n, interval_kind=boot.description)
        lo, hi = q.interval(level)
        alo, ahi = fit.exponent_interval(level)
        rows.append({"reproduction": label, "quantity": name, "budgets": fit.n, "a": round(fit.exponent, 4),
                     f"bootstrap {level:.0%} low": round(lo, 4), f"bootstrap {level:.0%} high": round(hi, 4),
                     f"asymptotic {level:.0%} low": round(alo, 4), f"asymptotic {level:.0%} high": round(ahi, 4)})
        cc = np.geomspace(C.min(), C.max(), 50)
        band = np.quantile(np.exp(boot.log_coef[:, None] + boot.exponent[:, None] * np.log(cc)),
                           [(1 - level) / 2, (1 + level) / 2], axis=0)
        lines.append(Series(f"{label}: a = {fit.exponent:.3f}", C, n_star, sd, cc, fit.predict(cc), (band[0], band[1])))
    audit.add_table("reproduction", pd.DataFrame(rows),
                    f"The allocation exponent in Porian et al.'s reproduction of Kaplan et al.'s setting: weighted "
                    f"log-log fit of the released per-budget optima, {level:.0%} {boot.description} ({boot.n} draws), "
                    "and the asymptotic t-interval of the weighted slope")
    fig_dir = audit.out_dir / "figures"
    f = optimum_law_figure(fig_dir / "kaplan_setting_optima.png", lines, "compute C (FLOP)",
                           "optimal non-embedding parameters N*", "kaplan2020scaling: Kaplan's setting reproduced")
    audit.add_figure(fig_dir / f, f"Per-budget optima in Kaplan's setting (Porian et al.'s runs; bars: +-2 standard "
                     f"deviations) and the weighted power law with its {level:.0%} bootstrap band.")


if __name__ == "__main__":
    from replication.cli import main

    main(["run", "kaplan2020scaling"])
