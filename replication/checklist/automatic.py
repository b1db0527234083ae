"""Answers the suite decides itself, from the replication's result and the data's provenance, not from a person.

Each rule sees the paper's metadata, its result (build/<key>/result.json, or None), the metadata of the datasets
it lists, the item's parameters from items.yaml, and the answer the paper's own reading gives (from checklist.yaml
or the survey sheet), which only ``held_out_validation`` uses. A rule returns None when it cannot decide.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

from ..checks import verdicts
from ..data.schema import Dataset
from ..metadata.paper import Paper
from .codes import NO, NOT_ASSESSED, YES


@dataclass(frozen=True)
class Decided:
    answer: str
    evidence: str
    uses_prior: bool = False


@dataclass
class Context:
    """What a rule may look at for one paper."""

    paper: Paper
    result: dict | None
    datasets: dict[str, Dataset] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.result is not None and self.result.get("status") == "ok"


@dataclass(frozen=True)
class Rule:
    name: str
    fn: Callable[..., Decided | None]
    params: tuple[str, ...] = ()
    what: str = ""


def _released(ctx: Context) -> list[tuple[str, Dataset]]:
    return [(n, d) for n, d in ctx.datasets.items() if ctx.paper.key in d.released_by]


def points_released(ctx: Context, params: dict, prior: str | None) -> Decided | None:
    released = _released(ctx)
    if released:
        return Decided(YES, "; ".join(f"datasets/{n}/dataset.yaml: the authors' files at {d.upstream.repository} "
                                      f"(commit {d.upstream.commit[:12]}, obtained: {d.obtained})" for n, d in released))
    if ctx.paper.status == "no public data":
        return Decided(NO, "paper.yaml: status 'no public data' (no points are available to the suite)")
    if ctx.datasets:
        others = [(n, d) for n, d in ctx.datasets.items() if d.obtained in ("digitised", "transcribed") or d.released_by]
        if len(others) == len(ctx.datasets):
            return Decided(NO, "the points the suite uses come from others: " + "; ".join(
                f"datasets/{n}/dataset.yaml ({d.obtained}" + (f", released by {', '.join(d.released_by)})" if d.released_by else ")")
                for n, d in others))
    return None


def released_licence(ctx: Context, params: dict, prior: str | None) -> Decided | None:
    released = _released(ctx)
    if not released:
        return None
    unlicensed = [(n, d) for n, d in released if d.licence.strip().lower().startswith("none")]
    if unlicensed:
        return Decided(NO, "; ".join(f"datasets/{n}/dataset.yaml licence: {d.licence}" for n, d in unlicensed))
    return Decided(YES, "; ".join(f"datasets/{n}/dataset.yaml licence: {d.licence}" for n, d in released))


def uncertainty_reported(ctx: Context, params: dict, prior: str | None) -> Decided | None:
    claims = [c for c in ctx.paper.claims if (c.interval is not None or c.se is not None) and c.provenance != "unverified"]
    if not claims:
        return None
    return Decided(YES, "paper.yaml claims stated with an interval or a standard error (sources given there): "
                   + ", ".join(c.id for c in claims))


def interval_plausible(ctx: Context, params: dict, prior: str | None) -> Decided | None:
    if not ctx.ok:
        return None
    rows = [r for r in ctx.result.get("ci_width", []) if r.get("flag") in ("plausible", "implausibly narrow")
            and r.get("provenance") != "unverified"]
    if not rows:
        return None
    narrow = [r for r in rows if r["flag"] == "implausibly narrow"]
    if narrow:
        return Decided(NO, "suite's width check: " + "; ".join(
            f"{r['claim']} would need about {r['runs_needed']:.3g} points, {r['n_points']:.0f} were fitted" for r in narrow))
    return Decided(YES, "suite's width check: " + ", ".join(r["claim"] for r in rows) + " plausible")


def refit_reproduces(ctx: Context, params: dict, prior: str | None) -> Decided | None:
    """Decided by the verdict definitions (checks.verdicts.REFIT_RULE); unverified claims never decide."""
    if not ctx.ok:
        return None
    verified = [r for r in ctx.result.get("claims", []) if r.get("provenance") != "unverified"]
    rows = [r for r in verified if verdicts.decides(r.get("verdict", ""))]
    undecided = [r for r in verified if r.get("verdict") in (verdicts.BORDERLINE, verdicts.NOT_IDENTIFIED)]
    if not rows:
        return None
    bad = [r for r in rows if r["verdict"] in verdicts.REFUTES]
    text = (f"suite's refit: {len(rows) - len(bad)} of {len(rows)} deciding claims reproduced (unverified claims left "
            "out; " + verdicts.REFIT_RULE + ")")
    if bad:
        text += "; against: " + ", ".join(f"{r['claim']} ({r['verdict']})" for r in bad)
    if undecided:
        text += "; deciding nothing: " + ", ".join(f"{r['claim']} ({r['verdict']})" for r in undecided)
    return Decided(NO if bad else YES, text)


def held_out_validation(ctx: Context, params: dict, prior: str | None) -> Decided | None:
    """The paper's own claim (prior) AND the suite's extrapolation check: a failed check turns a claimed yes into no."""
    limit = float(params["max_held_out_are"])
    rows = [r for r in (ctx.result or {}).get("extrapolation", []) if ctx.ok and _finite(r.get("are"))]
    if prior is None or prior == NOT_ASSESSED:
        return None
    if not rows:
        if prior == YES:
            return Decided(YES, "the suite has no held-out split to repeat the validation", True)
        return None
    # the paper's own law (the main fit) decides; sensitivity and comparison fits count only when there is no main row
    main = [r for r in rows if r.get("fit") == "main"]
    worst = max(main or rows, key=lambda r: r["are"])
    check = (f"refitted on {worst['n_fit']} runs, mean error {worst['are']:.2%} on the {worst['n_held_out']} held-out "
             f"runs ({worst['fit']} fit; limit {limit:.0%})")
    if prior == YES:
        if worst["are"] <= limit:
            return Decided(YES, "the suite's repeat holds: " + check, True)
        return Decided(NO, "the suite's repeat misses the held-out runs: " + check, True)
    return Decided(prior, "the answer stays the paper's; " + check, True)


def _finite(v) -> bool:
    return isinstance(v, (int, float)) and math.isfinite(v)


RULES: dict[str, Rule] = {r.name: r for r in [
    Rule("points_released", points_released, what="dataset provenance: a dataset the paper lists is released by its authors"),
    Rule("released_licence", released_licence, what="the licence recorded for the datasets the authors released"),
    Rule("uncertainty_reported", uncertainty_reported, what="paper.yaml claims that carry an interval or a standard error"),
    Rule("interval_plausible", interval_plausible, what="the CI-width check of the replication"),
    Rule("refit_reproduces", refit_reproduces, what="the claim verdicts of the replication"),
    Rule("held_out_validation", held_out_validation, params=("max_held_out_are", "reason"),
         what="the paper's own answer, and the replication's extrapolation check"),
]}
