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
    inputs = {"N": "dense_parameter_count", "E": "num_experts"}
    rows = []
    for router in settings["routers"]:
        routed = runs[runs["router_type"] == router]
        audit.fit(pd.concat([dense, routed], ignore_index=True), name=router, inputs=inputs,
                  target="loss_validation", plot_against="dense_parameter_count")
        # sensitivity to how the dense models enter: the same law on the routed runs alone
        audit.fit(routed, name=f"{router}_no_dense", inputs=inputs, target="loss_validation", bootstrap={"n": 0},
                  extrapolation={}, plot_against="dense_parameter_count")
        for name in COEFFICIENTS:
            q = audit.quantities[f"{router}.{name}"]
            low, high = q.interval(0.95)
            rows.append({"router": router, "coefficient": name, "value": q.value, "95% low": low, "95% high": high,
                         "routed runs only": audit.quantities[f"{router}_no_dense.{name}"].value})
    audit.add_table("coefficients", pd.DataFrame(rows),
                    "Fitted coefficients of log10 L = a log10 N + b log10 E_hat + c log10 N log10 E_hat + d per router, "
                    "with the dense models included as E = 1 (95% bootstrap percentile intervals), and the same law "
                    "fitted to the routed runs alone")


if __name__ == "__main__":
    from replication.cli import main

    main(["run", "clark2022unified"])
