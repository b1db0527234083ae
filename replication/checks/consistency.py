"""Internal consistency of printed numbers: does a claim follow, at printed precision, from the claims it is
declared to follow from?

The formula is read by ``simpleeval`` (arithmetic, exp, log, sqrt over the declared names; nothing else can run)
and evaluated over the box of values that round to the inputs: every corner, plus a grid inside (enough for the
monotone and smooth formulas met here; the range found is a lower bound of the true range otherwise).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
from simpleeval import SimpleEval

from ..metadata.paper import Claim, Derivation, Paper

GRID = 5  # points per input inside the rounding box (with the corners)
MAX_EVALUATIONS = 20_000
FUNCTIONS = {"exp": math.exp, "log": math.log, "sqrt": math.sqrt}


def half_unit(decimals: int | None) -> float:
    """Half a unit of the last printed digit (0 when the precision is not stated)."""
    return 0.5 * 10.0 ** (-decimals) if decimals is not None else 0.0


@dataclass(frozen=True)
class DerivationCheck:
    low: float
    high: float
    target: tuple[float, float]
    inconsistent: bool
    decisive: bool
    text: str


def _target(claim: Claim) -> tuple[float, float]:
    h = half_unit(claim.decimals)
    if claim.interval is not None:
        return claim.interval.low - h, claim.interval.high + h
    if claim.value is None:
        raise ValueError(f"claim '{claim.id}' declares follows_from but states neither a value nor an interval")
    return claim.value - h, claim.value + h


def formula_range(formula: str, boxes: dict[str, tuple[float, float]]) -> tuple[float, float]:
    """Smallest and largest value of ``formula`` over the box (corners and a GRID-point grid per input)."""
    evaluator = SimpleEval(names={}, functions=FUNCTIONS)
    parsed = evaluator.parse(formula)
    names = list(boxes)
    per = GRID if GRID ** len(names) <= MAX_EVALUATIONS else 2
    axes = [np.unique(np.linspace(lo, hi, per)) for lo, hi in boxes.values()]
    values = []
    for combo in itertools.product(*axes):
        evaluator.names = dict(zip(names, (float(v) for v in combo)))
        try:
            values.append(float(evaluator.eval(formula, previously_parsed=parsed)))
        except (ZeroDivisionError, ValueError, OverflowError):
            continue
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        return float("nan"), float("nan")
    return min(finite), max(finite)


def check_derivation(paper: Paper, claim: Claim, derivation: Derivation) -> DerivationCheck:
    """The range of the derivation over its inputs' rounding boxes against the values that round to the claim."""
    boxes, shown, unverified = {}, [], []
    for name, cid in derivation.inputs.items():
        src = paper.claim(cid)
        if src.value is None:
            raise ValueError(f"papers/{paper.key}/paper.yaml: claim '{claim.id}' follows_from input '{cid}' has no value")
        h = half_unit(src.decimals)
        boxes[name] = (src.value - h, src.value + h)
        printed = f"{src.value:.{src.decimals}f}" if src.decimals is not None and src.decimals >= 0 else f"{src.value:g}"
        shown.append(f"{name} = {printed} ({cid}: [{src.value - h:.10g}, {src.value + h:.10g}])")
        if src.provenance == "unverified":
            unverified.append(cid)
    if claim.provenance == "unverified":
        unverified.append(claim.id)
    low, high = formula_range(derivation.formula, boxes)
    tlo, thi = _target(claim)
    inconsistent = bool(np.isfinite(low) and (high < tlo or low > thi))
    decisive = not unverified
    text = (f"{derivation.formula} with {', '.join(shown)} ranges over [{low:.6g}, {high:.6g}]; the claim allows "
            f"[{tlo:.6g}, {thi:.6g}]: {'cannot both hold' if inconsistent else 'consistent'}")
    if unverified:
        text += f" (involves unverified {', '.join(unverified)}: shown, does not decide)"
    if derivation.note:
        text += f" ({derivation.note})"
    return DerivationCheck(low, high, (tlo, thi), inconsistent, decisive, text)
