"""The compliance score: the one definition, used for every paper, every stage, and every source of answers."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from .items import ANSWERS, NO, NOT_APPLICABLE, NOT_ASSESSED, NOT_STATED, YES

COMPLIANT = (YES,)
NON_COMPLIANT = (NO, NOT_STATED)
LEFT_OUT = (NOT_APPLICABLE, NOT_ASSESSED)

DEFINITION = (
    "Compliance = yes / (yes + no + not stated), over the items of a paper (or of one stage). A 'yes' is compliant; "
    "'no' and 'not stated' are not (a detail the paper does not state cannot be reproduced); 'not applicable' and "
    "'not assessed' are left out of both counts, so an item nobody has assessed never raises or lowers a score. "
    "'assessed' counts the items that enter the score; with none, the score is undefined (shown empty)."
)


@dataclass(frozen=True)
class Score:
    counts: dict[str, int]

    @property
    def assessed(self) -> int:
        return sum(self.counts[a] for a in COMPLIANT + NON_COMPLIANT)

    @property
    def value(self) -> float:
        """Share of compliant answers among the assessed, applicable items; NaN when there are none."""
        return self.counts[YES] / self.assessed if self.assessed else float("nan")

    def label(self) -> str:
        return f"{self.value:.0%} ({self.counts[YES]}/{self.assessed})" if self.assessed else "n/a (0 assessed)"


def score(answers: list[str]) -> Score:
    """The compliance score of a list of answers (each one of the five answer values)."""
    unknown = sorted(set(answers) - set(ANSWERS))
    if unknown:
        raise ValueError(f"not answer values: {unknown}; expected {ANSWERS}")
    c = Counter(answers)
    return Score({a: c.get(a, 0) for a in ANSWERS})
