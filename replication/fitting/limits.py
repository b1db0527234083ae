"""Up-front limits on a multi-start fit: enough points for the parameters, and working memory within a bound.

The batched engine holds, for every start at once, the predictions, residuals and Jacobian over all points, so
its working memory grows as starts x points x (parameters + a few). A fit that would need more than the limit is
refused before any array is allocated, instead of failing deep inside numpy with a MemoryError.
"""

from __future__ import annotations

import os

from ..errors import FitError, SettingError

MEMORY_ENV = "SCALING_AUDIT_FIT_MEMORY_GIB"
DEFAULT_MEMORY_GIB = 4.0
ARRAYS_BESIDES_JACOBIAN = 6  # predictions, residuals, loss weights and temporaries, each starts x points


def memory_limit_bytes() -> float:
    """The working-memory limit of one fit: $SCALING_AUDIT_FIT_MEMORY_GIB gibibytes, default 4."""
    raw = os.environ.get(MEMORY_ENV, "")
    if not raw:
        return DEFAULT_MEMORY_GIB * 2**30
    try:
        gib = float(raw)
    except ValueError:
        gib = float("nan")
    if not gib > 0 or gib == float("inf"):
        raise SettingError(MEMORY_ENV, raw, "not a positive number of gibibytes", f"set it to e.g. {DEFAULT_MEMORY_GIB:g}, or unset it")
    return gib * 2**30


def fit_memory_bytes(n_points: int, n_starts: int, n_params: int) -> float:
    """Estimated working memory of a batched fit: 8-byte floats, starts x points x (parameters + 6)."""
    return 8.0 * n_starts * n_points * (n_params + ARRAYS_BESIDES_JACOBIAN)


def check_fit_size(n_points: int, n_starts: int, n_params: int) -> None:
    """Refuse a fit with fewer points than parameters, or whose working memory would exceed the limit."""
    if n_points < n_params:
        raise FitError(f"{n_points} point(s) cannot determine {n_params} parameters: the fit is refused. "
                       "Fix: fit at least as many points as the law has parameters, or hold parameters fixed")
    need, limit = fit_memory_bytes(n_points, n_starts, n_params), memory_limit_bytes()
    if need > limit:
        raise FitError(f"a fit of {n_points} points from {n_starts} starts with {n_params} parameters needs about "
                       f"{need / 2**30:.1f} GiB of working memory, above the limit of {limit / 2**30:.1f} GiB: the fit is "
                       f"refused. Fix: use fewer starts (protocol.starts) or fewer points, or raise {MEMORY_ENV}")
