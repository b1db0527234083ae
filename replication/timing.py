"""Wall time spent in each stage of a run (multi-start, bootstrap, safeguard refits, figures, report).

Stages are timed where the main process enters them; a stage entered inside another one is charged to the
inner stage only, so the shares add up to at most the whole run. Timings never enter a result file: they
are read by `make bench` and the run summary, and the numbers of a run never depend on them.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from typing import Iterator

_totals: dict[str, float] = {}
_stack: list[list] = []  # [name, start, time charged to inner stages]


@contextmanager
def stage(name: str) -> Iterator[None]:
    """Charge the wall time of the block to ``name`` (exclusive of stages nested inside it)."""
    entry = [name, time.perf_counter(), 0.0]
    _stack.append(entry)
    try:
        yield
    finally:
        _stack.pop()
        took = time.perf_counter() - entry[1]
        _totals[name] = _totals.get(name, 0.0) + took - entry[2]
        if _stack:
            _stack[-1][2] += took


def totals() -> dict[str, float]:
    """Seconds per stage since the last reset."""
    return dict(_totals)


def reset() -> None:
    _totals.clear()
