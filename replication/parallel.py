"""Running independent tasks on a process pool (joblib), or inline when one worker is asked for.

Tasks must be independent and deterministic, so results never depend on the number of workers.
"""

from __future__ import annotations

from typing import Callable, Iterable

from joblib import Parallel, delayed


def run_tasks(func: Callable, args: Iterable[tuple], n_jobs: int = 1) -> list:
    """[func(*a) for a in args], spread over ``n_jobs`` worker processes when there is more than one task."""
    args = list(args)
    if n_jobs == 1 or len(args) <= 1:
        return [func(*a) for a in args]
    return Parallel(n_jobs=n_jobs)(delayed(func)(*a) for a in args)
