"""The claims check: each claimed number against the replication, with a verdict and the rule that decided it.

Verdicts and rule texts live in ``verdicts``; this module applies them: internal consistency (``consistency``),
identification, the claim's own rule at its printed precision, then Monte Carlo and criterion sensitivity
(borderline). A joint claim's row comes first, followed by its components' rows.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.linalg import cholesky
from scipy.optimize import lsq_linear
from scipy.stats import chi2

from ..metadata.paper import Claim, Paper
from ..uncertainty.intervals import jackknife_mcse
from .consistency import check_derivation, half_unit
from .quantity import Quantity
from .verdicts import (
    BORDERLINE,
    IDENTIFICATION_LEVEL,
    IDENTIFICATION_SPAN,
    INCONSISTENT,
    MC_SE_MULTIPLE,
    NOT_IDENTIFIED,
    NOT_REPRODUCED,
    NOT_TESTABLE,
    REPRODUCED,
    RULES,
    SAME_METHOD_RTOL,
)

__all__ = ["BORDERLINE", "INCONSISTENT", "NOT_IDENTIFIED", "NOT_REPRODUCED", "NOT_TESTABLE", "REPRODUCED", "RULES",
           "DEFAULT_LEVEL", "evaluate_claim", "evaluate_claims", "half_unit", "identification"]

DEFAULT_LEVEL = 0.95


def _row(paper: Paper, claim: Claim, **kw) -> dict:
    row = {
        "paper": paper.key,
        "claim": claim.id,
        "quantity": claim.quantity or "",
        "claimed": claim.value if claim.value is not None else float("nan"),
        "replicated": float("nan"),
        "ci_low": float("nan"),
        "ci_high": float("nan"),
        "ci_level": float("nan"),
        "ci_low_mcse": float("nan"),
        "ci_high_mcse": float("nan"),
        "replicated_mcse": float("nan"),
        "rel_diff": float("nan"),
        "verdict": NOT_TESTABLE,
        "rule_outcome": NOT_TESTABLE,
        "rule": claim.rule,
        "rule_text": RULES[claim.rule],
        "basis": claim.basis or "",
        "provenance": claim.provenance,
        "unverified": claim.provenance == "unverified",
        "joint": "",
        "identification": "",
        "consistency": "",
        "sensitivity": "",
        "source": claim.source,
        "statement": claim.statement,
        "note": "",
    }
    row.update(kw)
    return row


def _fit_of(name: str, health: list[dict]) -> str:
    """The fit a quantity comes from: its prefix when that names a fit, else the main fit."""
    fits = {h["fit"] for h in health}
    head = name.split(".", 1)[0]
    return head if "." in name and head in fits else "main"


def identification(name: str, q: Quantity, health: list[dict], fits: list[str] | None = None, span: bool = True) -> str:
    """Why the data do not determine quantity ``name`` ('' if nothing says so): its interval (unless ``span`` is
    False), or its fits' health."""
    reasons = []
    if span and q.samples is not None and q.value > 0 and not q.signed:
        lo, hi = q.interval(IDENTIFICATION_LEVEL)
        if np.isfinite(lo) and lo <= 0:
            reasons.append(f"its {IDENTIFICATION_LEVEL:.0%} interval ({lo:.4g}, {hi:.4g}) reaches zero or below")
        elif np.isfinite(lo) and hi / lo > IDENTIFICATION_SPAN:
            reasons.append(f"its {IDENTIFICATION_LEVEL:.0%} interval ({lo:.4g}, {hi:.4g}) spans a factor of {hi / lo:.3g}")
    for fit in fits or [_fit_of(name, health)]:
        failed = [h for h in health if h["fit"] == fit and h["status"] == "fail"]
        if failed:
            reasons.append(f"fit '{fit}' fails " + "; ".join(f"{h['check']} ({h['detail']})" for h in failed))
    return "; ".join(reasons)


def _scalar_ok(claim: Claim, value: float, lo: float, hi: float) -> bool:
    """The claim's own rule at its printed precision, for a replicated value and interval."""
    h = half_unit(claim.decimals)
    if claim.rule == "interval":
        if claim.value is not None:
            return lo - h <= claim.value <= hi + h
        return claim.interval.low - h <= hi and lo <= claim.interval.high + h
    if claim.rule == "outside":
        return claim.value + h < lo or claim.value - h > hi
    if claim.rule == "within_se":
        return abs(value - claim.value) <= claim.se + h
    if claim.rule == "same_method":
        rtol = SAME_METHOD_RTOL if claim.tolerance is None else claim.tolerance
        return abs(value - claim.value) <= h + rtol * abs(claim.value)
    if claim.rule == "rounding":
        return abs(value - claim.value) <= h if claim.decimals is not None else math.isclose(value, claim.value)
    if claim.rule == "relative":
        return abs(value - claim.value) <= claim.tolerance * abs(claim.value)
    if claim.rule == "at_least":
        return value >= claim.value
    raise ValueError(claim.rule)  # pragma: no cover - the schema admits no other rule


def _outcome(ok: bool) -> str:
    return REPRODUCED if ok else NOT_REPRODUCED


def _mc_flip(claim: Claim, q: Quantity, level: float, lo: float, hi: float) -> str:
    """'' if the rule's outcome is stable within MC_SE_MULTIPLE Monte Carlo SEs, else what moves it."""
    k = MC_SE_MULTIPLE
    if claim.rule in ("interval", "outside"):
        slo, shi = q.interval_mcse(level)
        if not (np.isfinite(slo) and np.isfinite(shi)):
            return ""
        wide = _scalar_ok(claim, q.value, lo - k * slo, hi + k * shi)
        narrow = _scalar_ok(claim, q.value, lo + k * slo, hi - k * shi)
        if wide != narrow:
            return (f"interval ends within {k:g} MCSE: ({lo - k * slo:.6g}, {hi + k * shi:.6g}) gives {_outcome(wide)}, "
                    f"({lo + k * slo:.6g}, {hi - k * shi:.6g}) gives {_outcome(narrow)}")
        return ""
    if q.mcse is None or not np.isfinite(q.mcse):
        return ""
    down = _scalar_ok(claim, q.value - k * q.mcse, lo, hi)
    up = _scalar_ok(claim, q.value + k * q.mcse, lo, hi)
    if down != up:
        return (f"replicated value within {k:g} MCSE: {q.value - k * q.mcse:.6g} gives {_outcome(down)}, "
                f"{q.value + k * q.mcse:.6g} gives {_outcome(up)}")
    return ""


def _consistency(paper: Paper, claim: Claim) -> tuple[bool, str]:
    """(inconsistent and decisive, text of every derivation check)."""
    texts, decisive_fail = [], False
    for d in claim.follows_from:
        res = check_derivation(paper, claim, d)
        texts.append(res.text)
        decisive_fail |= res.inconsistent and res.decisive
    return decisive_fail, " | ".join(texts)


def evaluate_claim(paper: Paper, claim: Claim, quantities: dict[str, Quantity], level: float = DEFAULT_LEVEL,
                   health: list[dict] | None = None) -> dict:
    """One row of the claims table."""
    health = health or []
    inconsistent, consistency = _consistency(paper, claim)
    if claim.rule == "joint":
        row = _joint(paper, claim, quantities, level, health)
    else:
        row = _scalar(paper, claim, quantities, level, health)
    row["consistency"] = consistency
    if inconsistent:
        row["verdict"] = INCONSISTENT
    if claim.provenance == "unverified":
        row["note"] = ("claimed number unverified; " + row["note"]).strip("; ")
    return row


def _scalar(paper: Paper, claim: Claim, quantities: dict[str, Quantity], level: float, health: list[dict]) -> dict:
    if claim.rule == "none":
        return _row(paper, claim, note=claim.not_testable_reason)
    q = quantities.get(claim.quantity) if claim.quantity else None
    if q is None:
        return _row(paper, claim, note=f"the replication produced no quantity '{claim.quantity}'")
    if claim.interval is not None:
        level = claim.interval.level
    lo, hi = q.interval(level)
    slo, shi = q.interval_mcse(level)
    rel = (q.value - claim.value) / abs(claim.value) if claim.value not in (None, 0) else float("nan")
    kw = dict(replicated=q.value, ci_low=lo, ci_high=hi, ci_level=level, rel_diff=rel, ci_low_mcse=slo, ci_high_mcse=shi,
              replicated_mcse=q.mcse if q.mcse is not None else float("nan"))
    if claim.rule in ("interval", "outside") and not np.isfinite(lo):
        return _row(paper, claim, **kw, note="no bootstrap interval for this quantity")
    ok = _scalar_ok(claim, q.value, lo, hi)
    notes = [claim.tolerance_reason or ""]
    verdict = _outcome(ok)
    sensitivity = []
    flip = _mc_flip(claim, q, level, lo, hi)
    if flip:
        sensitivity.append(flip)
    for alt in claim.alternatives:
        qa = quantities.get(alt.quantity)
        if qa is None:
            sensitivity.append(f"alternative '{alt.quantity}' not produced by the replication")
            continue
        alo, ahi = qa.interval(level)
        alt_ok = _scalar_ok(claim, qa.value, alo, ahi) if (claim.rule not in ("interval", "outside") or np.isfinite(alo)) else ok
        mc = f" (MCSE {qa.mcse:.3g})" if qa.mcse is not None else ""
        text = (f"{alt.quantity} = {qa.value:.6g}{mc} gives {_outcome(alt_ok)} ({alt.why}; "
                f"{'left open by the paper' if alt.open else 'a sensitivity check: the paper states its choice'})")
        sensitivity.append(text)
        if alt.open and alt_ok != ok:
            flip = flip or text
    if flip:
        verdict = BORDERLINE
    why = identification(claim.quantity, q, health, claim.fits)
    if why:
        verdict = NOT_IDENTIFIED
    return _row(paper, claim, **kw, verdict=verdict, rule_outcome=_outcome(ok), identification=why,
                sensitivity="; ".join(sensitivity), note="; ".join(n for n in notes if n))


def _box_distance(claimed: np.ndarray, half: np.ndarray, point_log: np.ndarray, cov: np.ndarray) -> tuple[float, np.ndarray]:
    """Smallest Mahalanobis d^2 of log-values over the box of values rounding to ``claimed``, and the point attaining it."""
    lo = np.log(np.maximum(claimed - half, claimed * 1e-300))
    hi = np.log(claimed + half)
    exact = half <= 0
    hi = np.where(exact, lo + 1e-12, hi)  # lsq_linear needs lower < upper; an exact claim gets a negligible box
    R = cholesky(np.linalg.inv(cov), lower=False)  # d^2 = |R (u - point)|^2
    res = lsq_linear(R, R @ point_log, bounds=(lo, hi), method="bvls")
    u = res.x
    d = u - point_log
    return float(d @ np.linalg.solve(cov, d)), np.exp(u)


def _joint(paper: Paper, claim: Claim, quantities: dict[str, Quantity], level: float, health: list[dict]) -> dict:
    parts = [paper.claim(c) for c in claim.components]
    qs = [quantities.get(p.quantity or "") for p in parts]
    if any(q is None or q.samples is None for q in qs):
        return _row(paper, claim, note="a component has no bootstrap replicates")
    claimed = np.array([p.value for p in parts], dtype=float)
    half = np.array([half_unit(p.decimals) for p in parts])
    point = np.array([q.value for q in qs])
    S = np.column_stack([q.samples for q in qs])
    keep = np.all(np.isfinite(S) & (S > 0), axis=1)
    qname = "(" + ", ".join(p.quantity for p in parts) + ")"
    # a joint test allows for the correlation between its components, so a component's own wide interval does not
    # make it "not identified"; only the health of the fits they come from does
    why = "; ".join(f"{p.id}: {w}" for p, q in zip(parts, qs)
                    if (w := identification(p.quantity, q, health, p.fits, span=False)))
    if np.any(claimed <= 0) or np.any(point <= 0):
        note = "the joint test works on log-values and needs positive components"
        return _row(paper, claim, quantity=qname, note=note, identification=why,
                    verdict=NOT_IDENTIFIED if why else NOT_TESTABLE)
    L = np.log(S[keep])
    cov = np.cov(L, rowvar=False)
    diff = np.log(claimed) - np.log(point)
    d2_exact = float(diff @ np.linalg.solve(cov, diff))
    d2, at = _box_distance(claimed, half, np.log(point), cov)
    df = len(parts)
    pval = float(chi2.sf(d2, df=df))
    critical = float(chi2.ppf(level, df=df))
    ok = d2 <= critical
    mcse = jackknife_mcse(lambda rows: _box_distance(claimed, half, np.log(point), np.cov(rows, rowvar=False))[0], L)
    verdict = _outcome(ok)
    sensitivity = ""
    if np.isfinite(mcse) and (d2 - MC_SE_MULTIPLE * mcse <= critical) != (d2 + MC_SE_MULTIPLE * mcse <= critical):
        verdict = BORDERLINE
        sensitivity = (f"d^2 within {MC_SE_MULTIPLE:g} MCSE ({d2 - MC_SE_MULTIPLE * mcse:.4g} .. "
                       f"{d2 + MC_SE_MULTIPLE * mcse:.4g}) straddles the critical value {critical:.4g}")
    attained = ", ".join(f"{p.quantity} = {v:.6g}" for p, v in zip(parts, at))
    note = (f"smallest Mahalanobis d^2 over the rounding box = {d2:.4g} on {df} df (critical {critical:.4g} at level "
            f"{level:g}), p = {pval:.3g}, attained at ({attained}); at the printed values themselves d^2 = {d2_exact:.4g}; "
            f"{int(keep.sum())} bootstrap replicates")
    if why:
        verdict = NOT_IDENTIFIED
    return _row(paper, claim, quantity=qname, claimed=float("nan"), replicated=d2, replicated_mcse=mcse,
                ci_level=level, verdict=verdict, rule_outcome=_outcome(ok), identification=why,
                sensitivity=sensitivity, note=note)


def evaluate_claims(paper: Paper, quantities: dict[str, Quantity], health: list[dict] | None = None) -> list[dict]:
    """Every claim's row; a joint claim's row comes first, then its components' rows (marked with the joint id)."""
    rows = {c.id: evaluate_claim(paper, c, quantities, health=health) for c in paper.claims}
    order, placed = [], set()
    joint_of = {}
    for c in paper.claims:
        if c.rule == "joint":
            for comp in c.components:
                joint_of.setdefault(comp, c.id)
    for c in paper.claims:
        if c.id in placed:
            continue
        group = [c.id]
        j = c.id if c.rule == "joint" else joint_of.get(c.id)
        if j is not None and j not in placed:
            joint = paper.claim(j)
            group = [j] + [x for x in joint.components if x not in placed]
        for cid in group:
            if cid in placed:
                continue
            if cid in joint_of:
                rows[cid]["joint"] = joint_of[cid]
            order.append(rows[cid])
            placed.add(cid)
    return order
