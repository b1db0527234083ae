"""One lock per tree (build/.lock): concurrent runs and report builds of the same tree wait for each other."""

from __future__ import annotations

import contextlib
import fcntl
import os
import sys
from pathlib import Path
from typing import Iterator

_held: dict[str, int] = {}  # re-entrant within one process: lock path -> depth


@contextlib.contextmanager
def tree_lock(build: Path, what: str) -> Iterator[None]:
    """Hold build/.lock for the block; when another process holds it, say so on stderr and wait."""
    path = Path(build) / ".lock"
    name = str(path.resolve()) if path.parent.exists() else str(path)
    if _held.get(name):
        _held[name] += 1
        try:
            yield
        finally:
            _held[name] -= 1
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"{what}: another run or report build of this tree holds {path}; waiting for it to finish",
                  file=sys.stderr, flush=True)
            fcntl.flock(fd, fcntl.LOCK_EX)
        _held[name] = 1
        try:
            yield
        finally:
            _held.pop(name, None)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
