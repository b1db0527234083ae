"""Clark et al. 2022: the routed-model law refitted per router type on final validation losses."""

import pandas as pd

from replication.audit import Audit

COEFFICIENTS = ("a", "b", "c", "d", "E_start", "E_max")


def replicate(audit: Audit) -> None:
    settings = audit.paper.protocol.settings
    curves = audit.table("deepmind-routing", "curves")
    final = curves.sort_values(["hyper_id", "step"]).groupby("hyper_id").tail(1)  # last recorded step of each run
    subset = settings["subset"]
    runs = final[(final["routing_frequency"] == subset["routing_frequency"]) & (final["k"] == subset["k"])
                 & (final["seed"] == subset["seed"])]
    dense = runs[runs["router_type"] == "Dense"]  # E = 1 in every router's fit
    rows = []
    for router in settings["routers"]:
        points = pd.concat([dense, runs[runs["router_type"] == router]], ignore_index=True)
        audit.fit(points, name=router, inputs={"N": "dense_parameter_count", "E": "num_experts"},
                  target="loss_validation", plot_against="dense_parameter_count")
        row = {"router": router, "points": len(points), "routed points": int((points["num_experts"] > 1).sum())}
        for name in COEFFICIENTS:
            q = audit.quantities[f"{router}.{name}"]
            low, high = q.interval(0.95)
            row.update({name: q.value, f"{name} 95% low": low, f"{name} 95% high": high})
        rows.append(row)
    audit.add_table("coefficients", pd.DataFrame(rows),
                    "Fitted coefficients of log10 L = a log10 N + b log10 E_hat + c log10 N log10 E_hat + d per router "
                    "(dense models included as E = 1), with 95% bootstrap percentile intervals")


if __name__ == "__main__":
    from replication.cli import main

    main(["run", "clark2022unified"])
