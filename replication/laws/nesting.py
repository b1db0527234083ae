"""Laws nested in a larger law of their family (a broken power law in one with one more break): the larger law, how a
fitted parameter vector of the smaller one becomes the same curve in the larger, and starts that open the extra terms.

The paper-level multiverse (robustness/family_specs.py) refits a paper's claims with the larger law, started from the
main optimum embedded in it, so the extra flexibility can only lower the criterion on the fitted points.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .base import Inputs

__all__ = ["Nesting", "register_nesting", "nesting_of", "nestings", "untied_nesting", "UNTIE_OFFSETS"]

UNTIE_OFFSETS = (-0.1, -0.05, 0.05, 0.1)  # starts of an untied parameter: its leader's value plus these


@dataclass(frozen=True)
class Nesting:
    """``smaller`` is ``larger`` with some parameters held: ``embed`` maps smaller-law rows (K, p) to the same curves
    as larger-law rows; ``starts`` gives larger-law starts around an embedded row on the data's inputs (not the
    embedded row itself, which every caller adds as its warm start)."""

    smaller: str
    larger: str
    what: str  # the alternative in words, e.g. "a broken power law with 2 breaks instead of 1"
    reason: str
    embed: Callable[[np.ndarray], np.ndarray]
    starts: Callable[[np.ndarray, Inputs], np.ndarray]


_NESTINGS: dict[str, Nesting] = {}


def register_nesting(n: Nesting) -> Nesting:
    _NESTINGS[n.smaller] = n
    return n


def nesting_of(law: str) -> Nesting | None:
    """The larger law ``law`` is nested in, if one is registered."""
    return _NESTINGS.get(law)


def untied_nesting(tied, base, ties: dict[str, str]) -> Nesting:
    """The law ``tied`` (laws/fixed.py ``tie``: ``base`` with each parameter in ``ties`` equal to its leader) nested in
    ``base``: embedding copies the leader into the tied parameter; the starts move it by UNTIE_OFFSETS."""
    free = list(tied.params)
    source = [free.index(ties.get(p, p)) for p in base.params]
    moved = [base.params.index(p) for p in ties]

    def embed(theta: np.ndarray) -> np.ndarray:
        return np.atleast_2d(np.asarray(theta, dtype=float))[:, source]

    def starts(theta: np.ndarray, X: Inputs) -> np.ndarray:
        rows = embed(theta)
        out = []
        for d in UNTIE_OFFSETS:
            r = rows.copy()
            r[:, moved] += d
            out.append(r)
        return np.vstack(out)

    held = ", ".join(f"{p} = {leader}" for p, leader in ties.items())
    return Nesting(tied.name, base.name, f"{base.name} with {held} untied",
                   "tying exponents is a modelling choice the data may not support; the untied law can only fit the "
                   "points better, and the claims should not hinge on the tie", embed, starts)


def nestings() -> list[Nesting]:
    """Every registered nesting."""
    return list(_NESTINGS.values())
