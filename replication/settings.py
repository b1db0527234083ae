"""Run settings from the command line or the environment (set by make), each checked with a named error."""

from __future__ import annotations

import os

from .errors import SettingError

N_BOOT_ENV = "SCALING_AUDIT_N_BOOT"
JOBS_ENV = "SCALING_AUDIT_JOBS"
TIME_LIMIT_ENV = "SCALING_AUDIT_TIME_LIMIT"
DEFAULT_TIME_LIMIT = 300.0


def _whole(name: str, raw: object, minimum: int, fix: str) -> int:
    """``raw`` as a whole number >= minimum, or a SettingError naming the setting."""
    try:
        value = int(str(raw).strip()) if not isinstance(raw, int) or isinstance(raw, bool) else raw
    except ValueError:
        raise SettingError(name, raw, f"not a whole number >= {minimum}", fix) from None
    if isinstance(raw, bool) or value < minimum:
        raise SettingError(name, raw, f"must be a whole number >= {minimum}", fix)
    return value


def n_boot_setting(value: int | None = None) -> int | None:
    """The bootstrap-count override: ``value`` (--n-boot) else $SCALING_AUDIT_N_BOOT (make N_BOOT=...), else None."""
    if value is not None:
        return _whole("--n-boot", value, 0, "give a count >= 0 (0 skips every bootstrap), or leave it out")
    raw = os.environ.get(N_BOOT_ENV, "")
    if not raw.strip():
        return None
    return _whole(f"N_BOOT ({N_BOOT_ENV})", raw, 0, "set make N_BOOT= to a count >= 0, or leave it unset")


def jobs_setting(value: int | None = None) -> int:
    """Worker processes: ``value`` (--jobs) else $SCALING_AUDIT_JOBS (make JOBS=...), else 1."""
    if value is not None:
        return _whole("--jobs", value, 1, "give at least 1 worker")
    raw = os.environ.get(JOBS_ENV, "")
    return _whole(f"JOBS ({JOBS_ENV})", raw, 1, "set make JOBS= to at least 1") if raw.strip() else 1


def time_limit_setting(value: float | None = None) -> float:
    """Seconds one paper may take: ``value`` (--time-limit) else $SCALING_AUDIT_TIME_LIMIT (make TIME_LIMIT=...),
    else 300; 0 means no limit."""
    name, raw = ("--time-limit", value) if value is not None else (f"TIME_LIMIT ({TIME_LIMIT_ENV})", os.environ.get(TIME_LIMIT_ENV, ""))
    if value is None and not str(raw).strip():
        return DEFAULT_TIME_LIMIT
    try:
        seconds = float(raw)
    except (TypeError, ValueError):
        seconds = float("nan")
    if not (seconds >= 0) or seconds == float("inf"):
        raise SettingError(name, raw, "not a number of seconds >= 0", "give e.g. 300 (0 disables the limit)")
    return seconds


COVERAGE_K_ENV = "SCALING_AUDIT_COVERAGE_K"
COVERAGE_B_ENV = "SCALING_AUDIT_COVERAGE_B"
DEFAULT_COVERAGE_K = 10  # a quick look that fits in make; `make robustness K=1000` runs the full study
DEFAULT_COVERAGE_B = 25


def coverage_k_setting() -> int:
    """Simulated datasets per main fit in the coverage study: $SCALING_AUDIT_COVERAGE_K (make robustness K=...),
    else DEFAULT_COVERAGE_K; 0 skips the study."""
    raw = os.environ.get(COVERAGE_K_ENV, "")
    if not raw.strip():
        return DEFAULT_COVERAGE_K
    return _whole(f"K ({COVERAGE_K_ENV})", raw, 0, "set make robustness K= to a count >= 0 (0 skips the study)")


def coverage_b_setting() -> int:
    """Bootstrap resamples per simulated dataset: $SCALING_AUDIT_COVERAGE_B (make robustness B=...), else
    DEFAULT_COVERAGE_B."""
    raw = os.environ.get(COVERAGE_B_ENV, "")
    if not raw.strip():
        return DEFAULT_COVERAGE_B
    return _whole(f"B ({COVERAGE_B_ENV})", raw, 10, "set make robustness B= to at least 10 resamples")


SCRIPT_MULTIVERSE_ENV = "SCALING_AUDIT_SCRIPT_MULTIVERSE"  # "all": also papers with per_group fits; "0": none


def script_multiverse_setting() -> str:
    """'all', 'none' or 'default' (the paper-level multiverse for every paper without per_group fits)."""
    raw = os.environ.get(SCRIPT_MULTIVERSE_ENV, "").strip().lower()
    return {"all": "all", "0": "none", "none": "none"}.get(raw, "default")
