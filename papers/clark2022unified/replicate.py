"""Clark et al. 2022: the routed-model law refitted per router type on final validation losses."""

import pandas as pd

from replication.audit import Audit


def per_router(curves: pd.DataFrame, audit: Audit) -> pd.DataFrame:
    """Last recorded step of each run in the paper's subset; per router its runs and the dense ones (E = 1)."""
    s = audit.paper.protocol.settings
    final = curves.sort_values(["hyper_id", "step"]).groupby("hyper_id").tail(1)
    runs = final[(final["routing_frequency"] == s["subset"]["routing_frequency"]) & (final["k"] == s["subset"]["k"])
                 & (final["seed"] == s["subset"]["seed"])]
    dense = runs[runs["router_type"] == "Dense"]
    return pd.concat([pd.concat([dense, runs[runs["router_type"] == r]]).assign(router=r) for r in s["routers"]],
                     ignore_index=True)


def replicate(audit: Audit) -> None:
    audit.run_fits({"per_router": per_router})
    routers = audit.paper.protocol.settings["routers"]
    rows = audit.constants(routers, 0.95, long=True).rename(columns={"fit": "router", "constant": "coefficient"})
    # sensitivity to how the dense models enter: the same law on the routed runs alone
    rows["routed runs only"] = [audit.fits[f"{r}_no_dense"]["natural"][c] for r, c in zip(rows["router"], rows["coefficient"])]
    audit.add_table("coefficients", rows,
                    "Fitted coefficients of log10 L = a log10 N + b log10 E_hat + c log10 N log10 E_hat + d per router, "
                    "with the dense models included as E = 1 (95% bootstrap percentile intervals), and the same law "
                    "fitted to the routed runs alone")
