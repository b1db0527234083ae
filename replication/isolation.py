"""What keeps one paper's failure from reaching the others: a time limit, and a one-line reason for any failure.

The time limit uses SIGALRM, which interrupts Python code in the main thread (a loop in a script, or the wait for
worker processes) but not a single long call inside a C extension; it is skipped where SIGALRM does not exist or
off the main thread.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import traceback
from pathlib import Path
from typing import Iterator

from .errors import AuditError, DataError, MetadataError, ResultError, SettingError, TimeLimitExceeded, UnusableData
from .paths import ROOT


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise TimeLimitExceeded in the main thread after ``seconds`` (0: no limit)."""
    usable = seconds > 0 and hasattr(signal, "SIGALRM") and threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return

    def _expired(signum, frame):
        raise TimeLimitExceeded(seconds)

    previous = signal.signal(signal.SIGALRM, _expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _shown(filename: str) -> str:
    try:
        return str(Path(filename).resolve().relative_to(ROOT))
    except (ValueError, OSError):
        return filename


def script_location(exc: BaseException, script: Path) -> tuple[str | None, str | None]:
    """(where in the script, where in the library) the exception came from, e.g. ('papers/x/replicate.py line 12',
    'replication/fitting/starts.py line 14'); None for a part the traceback does not pass through."""
    frames = traceback.extract_tb(exc.__traceback__)
    target = str(Path(script).resolve())
    in_script = [f for f in frames if str(Path(f.filename).resolve()) == target]
    where = f"{_shown(target)} line {in_script[-1].lineno}" if in_script else None
    last = frames[-1] if frames else None
    lib = None
    if last is not None and str(Path(last.filename).resolve()) != target:
        lib = f"{_shown(last.filename)} line {last.lineno}"
    return where, lib


NAMED = (DataError, MetadataError, ResultError, SettingError, UnusableData)


def failure_reason(exc: BaseException, key: str, script: Path, time_limit_s: float) -> str:
    """One line naming the file, what went wrong and the fix, for any way a paper's audit can fail."""
    return " ".join(_reason(exc, key, script, time_limit_s).split())


def _reason(exc: BaseException, key: str, script: Path, time_limit_s: float) -> str:
    shown = f"papers/{key}/replicate.py"
    if isinstance(exc, TimeLimitExceeded):
        return (f"{shown} ran past the time limit of {time_limit_s:g} s and was stopped. Fix: make the replication "
                "faster, or raise the limit (make TIME_LIMIT=<seconds>, or scaling-law-audit run --time-limit)")
    if isinstance(exc, NAMED):  # these already name their file, field and fix
        return str(exc)
    where, lib = script_location(exc, script)
    if isinstance(exc, SystemExit):
        return (f"{where or shown} called sys.exit({exc.code!r}); the replication did not finish. Fix: raise an "
                "exception that says what is wrong, or return from replicate(audit)")
    detail = f"{type(exc).__name__}: {exc}" if not isinstance(exc, AuditError) else str(exc)
    origin = f" (raised in {lib})" if lib and where else (f" (in {lib})" if lib else "")
    fix = ("correct the script or the inputs it names" if where else "correct the script")
    return f"{where or shown}: {detail}{origin}. Fix: {fix}; the full traceback is in build/{key}/traceback.txt"
