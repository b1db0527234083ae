"""The CI-width check: a claimed interval against the replication's interval at the same level.

If interval width shrinks as 1/sqrt(n), reaching the claimed width from the replication's would need
n_needed = n_points * (replicated width / claimed width)^2 runs (the argument of Besiroglu et al.);
``runs_needed_min`` uses the widest interval the printed rounding allows, a lower bound.
"""

from __future__ import annotations

from ..metadata.paper import Paper
from .claims import half_unit
from ..uncertainty.intervals import jackknife_mcse, percentile_interval
from .quantity import Quantity
from .verdicts import MC_SE_METHOD

NARROW_RATIO = 0.5

RULE = (
    f"flagged implausibly narrow when even the widest interval consistent with the printed rounding is less than "
    f"{NARROW_RATIO:g} x the replication's width, i.e. would need more than {1 / NARROW_RATIO**2:g} x the points fit"
)


def runs_needed(q: Quantity, claimed: tuple[float, float], level: float, n_points: float) -> float:
    """Points a fit would need for the replication's interval at ``level`` to shrink to the claimed width."""
    lo, hi = q.interval(level)
    width = claimed[1] - claimed[0]
    return n_points * ((hi - lo) / width) ** 2 if width > 0 else float("inf")


def runs_needed_mcse(q: Quantity, claimed: tuple[float, float], level: float, n_points: float) -> float:
    """Monte Carlo SE of ``runs_needed`` (delete-a-group jackknife over the bootstrap replicates; no refits)."""
    if q.samples is None:
        return float("nan")
    width = claimed[1] - claimed[0]

    def needed(s):
        lo, hi = percentile_interval(s, level)
        return n_points * ((hi - lo) / width) ** 2 if width > 0 else float("inf")

    return jackknife_mcse(needed, q.samples)


def runs_needed_quantity(q: Quantity, claimed: tuple[float, float], level: float, n_points: float) -> Quantity:
    """``runs_needed`` as a quantity carrying its Monte Carlo SE, for a claim about the number of runs."""
    return Quantity(runs_needed(q, claimed, level, n_points), mcse=runs_needed_mcse(q, claimed, level, n_points),
                    mcse_method=MC_SE_METHOD)


def ci_width_rows(paper: Paper, quantities: dict[str, Quantity], n_points: dict[str, float]) -> list[dict]:
    """One row per claim that states an interval; ``n_points`` maps quantity -> points fit."""
    rows = []
    for claim in paper.claims:
        if claim.interval is None:
            continue
        q = quantities.get(claim.quantity or "")
        iv = claim.interval
        claimed_w = iv.high - iv.low
        widest = claimed_w + 2 * half_unit(claim.decimals)
        row = {
            "paper": paper.key,
            "claim": claim.id,
            "quantity": claim.quantity,
            "ci_level": iv.level,
            "claimed_low": iv.low,
            "claimed_high": iv.high,
            "claimed_width": claimed_w,
            "claimed_width_max": widest,
            "replicated_low": float("nan"),
            "replicated_high": float("nan"),
            "replicated_width": float("nan"),
            "width_ratio": float("nan"),
            "n_points": float("nan"),
            "runs_needed": float("nan"),
            "runs_needed_mcse": float("nan"),
            "replicated_low_mcse": float("nan"),
            "replicated_high_mcse": float("nan"),
            "runs_needed_min": float("nan"),
            "runs_reported": paper.runs_reported if paper.runs_reported is not None else float("nan"),
            "flag": "not testable",
            "interval_kind": "bootstrap percentile",
            "provenance": claim.provenance,
            "source": claim.source,
        }
        if q is not None and q.samples is not None:
            lo, hi = q.interval(iv.level)
            n = n_points.get(claim.quantity, float("nan"))
            rep_w = hi - lo
            row.update(
                replicated_low=lo,
                replicated_high=hi,
                replicated_width=rep_w,
                width_ratio=claimed_w / rep_w if rep_w > 0 else float("inf"),
                n_points=n,
                runs_needed=runs_needed(q, (iv.low, iv.high), iv.level, n),
                runs_needed_mcse=runs_needed_mcse(q, (iv.low, iv.high), iv.level, n),
                replicated_low_mcse=q.interval_mcse(iv.level)[0],
                replicated_high_mcse=q.interval_mcse(iv.level)[1],
                runs_needed_min=n * (rep_w / widest) ** 2 if widest > 0 else float("inf"),
                flag="implausibly narrow" if widest < NARROW_RATIO * rep_w else "plausible",
                interval_kind=q.interval_kind,
            )
        rows.append(row)
    return rows
