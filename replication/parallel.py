"""Running independent tasks: inline, on a local process pool (joblib), or on a Dask cluster.

Tasks must be independent and deterministic, so results never depend on the backend or the number of
workers. When ``SCALING_AUDIT_DASK_SCHEDULER`` names a scheduler (``tcp://host:8786``), tasks go to that Dask
cluster; without it nothing of Dask is imported. A progress bar (tqdm) appears for work that takes more than a
couple of seconds when the output is a terminal, or always with ``SCALING_AUDIT_PROGRESS=1``
(``SCALING_AUDIT_PROGRESS=0`` silences it).
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Callable, Iterable, Iterator

DASK_ENV = "SCALING_AUDIT_DASK_SCHEDULER"
PROGRESS_ENV = "SCALING_AUDIT_PROGRESS"

_clients: dict[str, object] = {}
_inline_depth = [0]  # > 0 inside inline_tasks(): every run_tasks call runs in this process


@contextmanager
def inline_tasks() -> Iterator[None]:
    """Run every run_tasks call in the block in this process (work that is itself one task of a pool or cluster)."""
    _inline_depth[0] += 1
    try:
        yield
    finally:
        _inline_depth[0] -= 1


def dask_address() -> str | None:
    """The Dask scheduler the run was given, or None for local execution."""
    address = os.environ.get(DASK_ENV, "").strip()
    return address or None


def _client(address: str):
    """One client per scheduler address and process, connected on first use."""
    if address not in _clients:
        from distributed import Client  # imported only when a cluster is given

        _clients[address] = Client(address, set_as_default=False)
    return _clients[address]


def _progress(total: int, label: str):
    from tqdm.auto import tqdm

    setting = os.environ.get(PROGRESS_ENV, "")
    disable = {"1": False, "0": True}.get(setting)  # None: only on a terminal
    return tqdm(total=total, desc=label, disable=disable, delay=0 if setting == "1" else 2.0, leave=False,
                unit="task")


def run_tasks(func: Callable, args: Iterable[tuple], n_jobs: int = 1, label: str = "", inline: bool = False) -> list:
    """[func(*a) for a in args], in order: on the Dask cluster if one is given, else spread over ``n_jobs``
    local worker processes (joblib) when there is more than one task; ``inline`` runs them here whatever the
    backend (work already inside a task of the cluster)."""
    args = list(args)
    inline = inline or _inline_depth[0] > 0
    address = None if inline else dask_address()
    with _progress(len(args), label or getattr(func, "__name__", "tasks")) as bar:
        if address is not None and len(args) > 1:
            client = _client(address)
            futures = [client.submit(func, *a, pure=False) for a in args]
            out = []
            for future in futures:  # in submission order; the cluster runs them in any order
                out.append(future.result())
                bar.update(1)
            return out
        if n_jobs == 1 or len(args) <= 1 or inline:
            out = []
            for a in args:
                out.append(func(*a))
                bar.update(1)
            return out
        from joblib import Parallel, delayed

        out = []
        for r in Parallel(n_jobs=n_jobs, return_as="generator")(delayed(func)(*a) for a in args):
            out.append(r)
            bar.update(1)
        return out
