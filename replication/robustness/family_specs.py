"""The paper-level alternatives that belong to a law family or a protocol rather than to one fit's criterion or starts.

- Scoring (learning-curve comparisons such as Alabdulmohsin et al.'s M1-M4): which estimator wins a curve depends
  on the error it is judged by and on how errors are rounded before comparing; each other error the per-group fits
  record, and untruncated errors, are alternatives for a paper whose script compares fits by wins (Audit.wins).
- Nesting: a law with a registered larger law of its family (laws/nesting.py: a broken power law with one more
  break; the data-constrained and Chinchilla forms with beta untied from alpha) is refitted as that law, started from
  the main optimum embedded in it; for a main fit by the fit-level multiverse, for the script's claims by a rerun.
- Fitted runs (over-training laws): which runs the law is fitted on is a paper setting, so the alternatives are the
  paper's own ``add`` entries with ``settings:``; a paper with an over-training fit that declares none is told so.
"""

from __future__ import annotations

from ..fitting.scoring import ERRORS
from ..laws.nesting import nesting_of, nestings
from .specs import Spec

__all__ = ["score_specs", "nesting_specs", "fitted_runs_note", "family_names", "OVERTRAINING_LAWS"]

OVERTRAINING_LAWS = ("overtraining_loss",)
UNTRUNCATED = "win_untruncated"


def score_specs() -> list[Spec]:
    """Each error a per-group fit records as the winning criterion, and errors compared untruncated; a variant equal
    to the paper's own scoring changes nothing and is not run (Variant.score)."""
    out = [Spec(f"win_error_{e}", "scoring", f"winners by {what} on the held-out split",
                "the error an extrapolation is judged by is a choice; another defensible error can pick another winner",
                score={"error": e}) for e, what in ERRORS.items()]
    out.append(Spec(UNTRUNCATED, "scoring", "errors compared untruncated (ties only when equal)",
                    "truncating errors before comparing them makes near-ties count as shared wins",
                    score={"decimals": None}))
    return out


def nesting_specs(laws: set[str]) -> list[Spec]:
    """One specification per larger law that a law of the paper's fits is nested in."""
    out = {}
    for law in sorted(laws):
        n = nesting_of(law)
        if n is not None and n.larger not in out:
            out[n.larger] = Spec(f"law_{n.larger}", "law", n.what, n.reason, law=n.larger)
    return list(out.values())


def fitted_runs_note(laws: set[str], specs: list[Spec]) -> str:
    """Why the fitted-runs alternatives of an over-training fit did not run ('' when they do or do not apply)."""
    if not set(laws) & set(OVERTRAINING_LAWS) or any(s.settings is not None for s in specs):
        return ""
    return ("the runs an over-training law is fitted on are a paper setting: declare alternatives under "
            "protocol.multiverse.add with settings: (e.g. another list of fitted runs) and a reason")


def family_names() -> frozenset[str]:
    """The names of the paper-level family defaults (a paper may exclude them)."""
    return frozenset(s.name for s in score_specs()) | frozenset(f"law_{n.larger}" for n in nestings())
