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

__all__ = ["Nesting", "register_nesting", "nesting_of", "nestings"]


@dataclass(frozen=True)
class Nesting:
    """``smaller`` is ``larger`` with some parameters held: ``embed`` maps smaller-law rows (K, p) to the same curves
    as larger-law rows; ``starts`` gives larger-law starts around an embedded row on the data's inputs."""

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


def nestings() -> list[Nesting]:
    """Every registered nesting."""
    return list(_NESTINGS.values())
