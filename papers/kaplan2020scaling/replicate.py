"""Kaplan et al. 2020: the allocation exponent N_opt ~ C^a, tested against Porian et al.'s reproduction of its setting.

Kaplan et al. released no runs. Porian et al. trained models in Kaplan's setting (non-embedding parameter counting,
long warmup, cosine decay over a long horizon, untuned optimiser, training loss) and released the per-budget
optima; the exponent is refitted here exactly as on the porian2024resolving page (same declared fit and seeds).
"""

from __future__ import annotations

import pandas as pd

from replication.audit import Audit

# slug as on the porian2024resolving page, so both pages draw the same bootstrap stream
REPRODUCTIONS = {"owt2": ("owt2_kaplan_repro", "a_alloc", "OpenWebText2 (open counterpart of WebText2)"),
                 "rw": ("rw_kaplan_repro", "a_alloc.rw_kaplan_repro", "RefinedWeb")}


def kaplan_setting(frame: pd.DataFrame, audit: Audit) -> pd.DataFrame:
    """The configuration slug of each reproduction; budgets whose optimum is at the edge have no N*."""
    return frame[frame["dataset"].isin(list(REPRODUCTIONS))].assign(
        slug=lambda f: f["dataset"].map(lambda d: REPRODUCTIONS[d][0]), label=lambda f: f["dataset"].map(
            lambda d: REPRODUCTIONS[d][2])).dropna(subset=["n"])


def replicate(audit: Audit) -> None:
    out = audit.run_fits({"kaplan_setting": kaplan_setting})["main"]
    rows = [audit.power_law_row(out[slug], name, label=label) for slug, name, label in REPRODUCTIONS.values()]
    audit.add_table("reproduction", pd.DataFrame(rows), "The allocation exponent in Porian et al.'s reproduction of "
                    "Kaplan et al.'s setting: weighted log-log fit of the released per-budget optima, "
                    f"95% {out['rw_kaplan_repro'].description} ({out['rw_kaplan_repro'].boot.n} draws), and the "
                    "asymptotic t-interval of the weighted slope")
    audit.optimum_figure("kaplan_setting_optima", [(f"{label}: a = {out[slug].fit.exponent:.3f}", out[slug])
                         for slug, _, label in REPRODUCTIONS.values()], "optimal non-embedding parameters N*",
                         "kaplan2020scaling: Kaplan's setting reproduced", "Per-budget optima in Kaplan's setting "
                         "(Porian et al.'s runs; bars: +-2 standard deviations) and the weighted power law with its "
                         "95% bootstrap band.")
