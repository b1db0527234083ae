"""The verdict vocabulary and every rule that decides a verdict, defined once and printed in the report.

The claims check, the report's counts and the checklist's "refit reproduces" answer all read these definitions,
so a verdict means the same thing wherever it appears.
"""

from __future__ import annotations

from collections import Counter
from typing import Iterable

REPRODUCED = "reproduced"
NOT_REPRODUCED = "not reproduced"
BORDERLINE = "borderline"
NOT_IDENTIFIED = "not identified"
INCONSISTENT = "internally inconsistent"
NOT_TESTABLE = "not testable"

VERDICTS = (REPRODUCED, NOT_REPRODUCED, BORDERLINE, NOT_IDENTIFIED, INCONSISTENT, NOT_TESTABLE)

# -- thresholds of the rules below (one place) ----------------------------------------------------------------
IDENTIFICATION_SPAN = 10.0  # a positive quantity whose 95% interval spans more than this factor is not identified
IDENTIFICATION_LEVEL = 0.95
MC_SE_MULTIPLE = 2.0  # a verdict that flips when bootstrap-derived numbers move by this many MC standard errors
SAME_METHOD_RTOL = 1e-6  # default optimiser tolerance for a same-data, same-method estimate (relative)

MEANING = {
    REPRODUCED: "the replication agrees with the claimed number under the claim's rule",
    NOT_REPRODUCED: "the replication disagrees with the claimed number under the claim's rule",
    BORDERLINE: (
        f"the rule's outcome changes when the bootstrap-derived numbers it uses move by {MC_SE_MULTIPLE:g} Monte Carlo "
        "standard errors, or between two bootstrap criteria the paper leaves open; both outcomes' numbers are shown"
    ),
    NOT_IDENTIFIED: (
        "the data do not determine the quantity, so no comparison is meaningful (rule: 'identification' below)"
    ),
    INCONSISTENT: (
        "the printed numbers cannot all be true: a formula the claim follows from, evaluated over every value that "
        "rounds to the printed inputs, never reaches the printed claim (computation shown with the claim)"
    ),
    NOT_TESTABLE: "the replication cannot test the claim (the reason is given with it)",
}

RULES = {
    "interval": (
        "reproduced if the claimed value, widened by half a unit of its last printed digit, lies inside the "
        "replication's bootstrap percentile interval at the stated level (a claimed interval: if the two intervals "
        "overlap)"
    ),
    "outside": (
        "for a claim that a value disagrees with the replication: reproduced if the claimed value, give or take half "
        "a unit of its last printed digit, lies outside the replication's bootstrap percentile interval at the "
        "stated level"
    ),
    "within_se": (
        "for a number from other data or another method: reproduced if |replicated - claimed| is at most the standard "
        "error the source states with the value plus half a printed unit"
    ),
    "same_method": (
        "for a re-estimate from the same data by the same method: reproduced if |replicated - claimed| is at most half "
        f"a unit of the last printed digit plus the optimiser's tolerance (relative, {SAME_METHOD_RTOL:g} unless the "
        "claim states another with its reason)"
    ),
    "rounding": "reproduced if the replicated value rounds to the claimed value at the claim's printed precision",
    "relative": "reproduced if |replicated - claimed| / |claimed| is at most the tolerance given with the claim",
    "at_least": "reproduced if the replicated value is at least the claimed value",
    "joint": (
        "reproduced if some vector that rounds to the claimed one lies inside the level region of a chi-squared test: "
        "the smallest Mahalanobis distance of the log-values over the box of values that round to the claim, under "
        "the bootstrap covariance of the replicated components (the point attaining it is shown); the components' own "
        "verdicts follow the joint row"
    ),
    "none": "not testable here: the reason is given with the claim",
}

IDENTIFICATION_RULE = (
    f"not identified if the claim's quantity is positive (a magnitude, not a difference of two estimates) and its "
    f"{IDENTIFICATION_LEVEL:.0%} bootstrap interval spans "
    f"more than a factor of {IDENTIFICATION_SPAN:g} or reaches zero or below, or if the fit it comes from fails the "
    "fit-health identification checks (Hessian not positive definite or condition above the ridge threshold, a "
    "parameter at a bound, no more points than parameters, or a fitted constant whose interval spans more than "
    f"a factor of {IDENTIFICATION_SPAN:g}); decided before the claim's own rule. A joint claim is not identified only "
    "through the health of the fits its components come from, since the joint test allows for their correlation"
)

BORDERLINE_RULE = (
    f"borderline if the claim's rule gives a different outcome when each bootstrap-derived number it uses (interval "
    f"ends, bootstrap standard errors, numbers computed from the replicates) moves by up to {MC_SE_MULTIPLE:g} of its "
    "Monte Carlo standard errors, or when the rule is applied to the number from another bootstrap criterion the "
    "paper leaves open"
)

CONSISTENCY_RULE = (
    "internally inconsistent if a formula the claim declares it follows from, evaluated over the box of values that "
    "round to its printed inputs (every corner and a grid inside), has a range disjoint from the values that round to "
    "the claim (its value, or its interval); checked before the data, because no data can make contradictory "
    "printed numbers all true. A formula that involves an unverified number is shown but does not decide"
)

MC_SE_METHOD = (
    "Monte Carlo standard errors (MCSE): for a percentile interval end, half the distance between the order "
    "statistics at B p -/+ sqrt(B p (1 - p)) (the binomial/order-statistic method: a distribution-free 68% interval "
    "for the quantile); for a bootstrap standard error and any other number computed from the B replicates "
    "(runs needed, shares), the delete-a-group jackknife over 20 groups of replicates. Neither refits anything"
)

PRECEDENCE = (
    "the first that applies decides a claim's verdict: internally inconsistent (also for a claim the data cannot "
    "test), not testable (no rule, quantity or replicates to test it with), not identified, borderline, and otherwise "
    "the outcome of the claim's rule (reproduced or not reproduced), which the claims table shows in every case as "
    "rule_outcome"
)

TESTED = (REPRODUCED, NOT_REPRODUCED, BORDERLINE, NOT_IDENTIFIED, INCONSISTENT)


def rule_lines() -> list[str]:
    """Every verdict's meaning and every rule, as the report prints them."""
    lines = [f"**{v}**: {MEANING[v]}" for v in VERDICTS]
    lines += [f"rule '{name}': {text}" for name, text in RULES.items()]
    lines += [f"identification: {IDENTIFICATION_RULE}", f"borderline: {BORDERLINE_RULE}",
              f"internal consistency: {CONSISTENCY_RULE}", f"Monte Carlo error: {MC_SE_METHOD}",
              f"precedence: {PRECEDENCE}", REFIT_RULE]
    return lines


def counts(verdicts: Iterable[str]) -> dict[str, int]:
    """How many claims got each verdict, every verdict of the vocabulary present (zero if none)."""
    c = Counter(verdicts)
    unknown = set(c) - set(VERDICTS)
    if unknown:
        raise ValueError(f"unknown verdict(s) {sorted(unknown)}; the vocabulary is {VERDICTS}")
    return {v: c.get(v, 0) for v in VERDICTS}


SUPPORTS = (REPRODUCED,)
REFUTES = (NOT_REPRODUCED, INCONSISTENT)
REFIT_RULE = (
    "refit reproduces: yes if every verified claim the refit decides is reproduced; no if any is not reproduced or "
    "internally inconsistent; borderline and not identified claims decide nothing and are listed in the evidence"
)


def decides(verdict: str) -> bool:
    """Whether a verdict counts for or against "the refit reproduces the paper" (see REFIT_RULE)."""
    return verdict in SUPPORTS + REFUTES
