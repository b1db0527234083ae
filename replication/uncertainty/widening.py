"""How much digitisation error widens a fit's intervals: percentile-interval widths over the same bootstrap resamples
without and with the points moved within their errors (uncertainty/bootstrap.py, ``errors``), and the Monte Carlo
standard error of that widening (the replicate pairs redrawn with replacement, a fixed seed)."""

from __future__ import annotations

import numpy as np

from .intervals import percentile_interval

LEVEL = 0.95
MC_DRAWS = 200  # redraws of the replicate pairs for the Monte Carlo standard error of a widening
MC_SEED = 0


def width(samples: np.ndarray, level: float = LEVEL) -> float:
    """The width of the percentile interval of ``samples`` at ``level``."""
    return float(np.diff(percentile_interval(np.asarray(samples, dtype=float), level))[0])


def widening_rows(plain: dict[str, np.ndarray], with_errors: dict[str, np.ndarray],
                  alone: dict[str, np.ndarray] | None = None, level: float = LEVEL) -> list[dict]:
    """Per quantity of ``plain`` (replicates of the point bootstrap): its interval width, the width over the same
    resamples with errors, the width over perturbations alone (where ``alone`` is given), and ``widening``, the
    relative change of the width the errors make."""
    rows = []
    for q, samples in plain.items():
        if q not in with_errors:
            continue
        b, e = width(samples, level), width(with_errors[q], level)
        row = {"quantity": q, "width_bootstrap": b}
        if alone is not None:
            row["width_perturbation"] = width(alone[q], level) if q in alone else float("nan")
        row.update(width_both=e, widening=e / b - 1.0 if b else float("nan"),
                   widening_mcse=widening_mcse(samples, with_errors[q], level))
        rows.append(row)
    return rows


def widening_mcse(plain: np.ndarray, with_errors: np.ndarray, level: float = LEVEL) -> float:
    """Monte Carlo standard error of the widening of the same replicates (paired: replicate i of both is resample i),
    from MC_DRAWS redraws of the pairs with replacement."""
    plain, with_errors = np.asarray(plain, dtype=float), np.asarray(with_errors, dtype=float)
    rng = np.random.default_rng(MC_SEED)
    out = []
    for _ in range(MC_DRAWS):
        i = rng.integers(0, plain.size, plain.size)
        b = width(plain[i], level)
        out.append(width(with_errors[i], level) / b - 1.0 if b else np.nan)
    out = np.asarray(out)
    out = out[np.isfinite(out)]
    return float(np.std(out, ddof=1)) if out.size > 1 else float("nan")
