"""Wall time spent in each stage of a run (multi-start, bootstrap, safeguard refits, figures, report).

Stages are timed where the main process enters them; a stage entered inside another one is charged to the
inner stage only, so the shares add up to at most the whole run. Timings never enter a result file: they
are read by `make bench` and the run summary, and the numbers of a run never depend on them.
"""

from __future__ import annotations

import json
import time
from contextlib import contextmanager
from typing import Iterator

_totals: dict[str, float] = {}
_stack: list[list] = []  # [name, start, time charged to inner stages]


WHOLE = "whole:"  # prefix of a study's time including the stages nested in it (kept apart from the shares)


@contextmanager
def stage(name: str, whole: bool = False) -> Iterator[None]:
    """Charge the wall time of the block to ``name`` (exclusive of stages nested inside it); with ``whole`` the
    block's whole time is also kept, as ``whole:<name>`` (for a study made of fits and bootstraps)."""
    entry = [name, time.perf_counter(), 0.0]
    _stack.append(entry)
    try:
        yield
    finally:
        _stack.pop()
        took = time.perf_counter() - entry[1]
        _totals[name] = _totals.get(name, 0.0) + took - entry[2]
        if whole:
            _totals[WHOLE + name] = _totals.get(WHOLE + name, 0.0) + took
        if _stack:
            _stack[-1][2] += took


def totals() -> dict[str, float]:
    """Seconds per stage since the last reset."""
    return dict(_totals)


def add(stages: dict[str, float]) -> None:
    """Add stage times measured elsewhere (a worker process running one paper)."""
    for name, seconds in stages.items():
        _totals[name] = _totals.get(name, 0.0) + seconds


def reset() -> None:
    _totals.clear()


def write_record(path, papers: dict[str, float] | None = None, per_paper: dict[str, dict[str, float]] | None = None,
                 **extra_stages: float) -> None:
    """Write (papers given) or extend (stages only) the run's timing record, e.g. build/timings.json; ``per_paper``
    keeps each paper's own stage times beside the totals."""
    from pathlib import Path

    from .results import write_text_atomic

    path = Path(path)
    record = {"papers": {}, "stages": {}}
    if papers is None and path.exists():
        try:
            record = json.loads(path.read_text())
        except (OSError, ValueError):
            pass
    else:
        every = totals()
        record = {"papers": dict(papers or {}), "stages": {k: v for k, v in every.items() if not k.startswith(WHOLE)},
                  "whole": {k[len(WHOLE):]: v for k, v in every.items() if k.startswith(WHOLE)},
                  "per_paper": {key: dict(sorted(stages.items())) for key, stages in sorted((per_paper or {}).items())}}
    record["stages"].update(extra_stages)
    write_text_atomic(path, json.dumps(record, indent=1, sort_keys=True) + "\n")
