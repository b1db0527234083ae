"""Whether the report's digitisation numbers (computed by digitised_results.py) are current, and where they are
kept: light enough for `replication run` to decide, before any paper runs, whether its worker pool computes them."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from ..data.schema import load_dataset_meta
from ..digitise.version import METHOD_VERSION
from ..paths import PAPERS
from ..settings import N_BOOT_ENV

VERSION = f"{METHOD_VERSION}.5"
CHINCHILLA_PAPERS = ["hoffmann2022training", "besiroglu2024chinchilla"]
ENABLED_ENV = "SCALING_AUDIT_DIGITISER_VALIDATION"
DATASETS_USED = ("chinchilla-figure-4", "llama3-figure-2", "epoch-chinchilla", "llama3-isoflops")


def n_replicates() -> int:
    """Replicates per widening study: 200, or the bootstrap count override (at least 20)."""
    value = os.environ.get(N_BOOT_ENV)
    return max(20, int(value)) if value else 200


def cache_key() -> str:
    """The inputs, code and settings the numbers are computed from, as one digest."""
    from ..fingerprint import library_digest

    h = hashlib.sha256(VERSION.encode())
    h.update(library_digest().encode())  # the digitiser and the refits are library code: a change recomputes
    for ds in DATASETS_USED:
        meta = load_dataset_meta(ds)
        h.update(json.dumps(meta.model_dump(), sort_keys=True, default=str).encode())
    for key in CHINCHILLA_PAPERS + ["dubey2024llama"]:
        h.update((PAPERS / key / "paper.yaml").read_bytes())
    h.update(str(n_replicates()).encode())
    return h.hexdigest()


def cache_path(build: Path) -> Path:
    """Where the section's numbers are kept."""
    return Path(build) / "digitised" / "validation.json"


def is_current(build: Path) -> bool:
    """Whether the cached numbers were computed from today's inputs, code and settings."""
    try:
        return json.loads(cache_path(build).read_text(encoding="utf-8")).get("key") == cache_key()
    except (OSError, ValueError, AttributeError):
        return False


def enabled() -> bool:
    """False when the run was told to leave the validation out (SCALING_AUDIT_DIGITISER_VALIDATION=0)."""
    return os.environ.get(ENABLED_ENV, "").strip() != "0"


POOL_JOB = "digitisation validation"  # its name in `replication run`'s start and end lines


def stale(build: Path) -> bool:
    """Whether the numbers are out of date and not left out: `replication run` then computes them beside the
    papers (digitised_results.pool_job), and make's own step for them finds them current."""
    return enabled() and not is_current(build)


def validation_results(build: Path) -> dict:
    """The cached numbers for the report (never computed here: the report stays fast); empty if not computed."""
    cache = cache_path(build)
    try:
        return json.loads(cache.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"missing": True, "point_sets": [], "agreement": [], "shift": [], "widening": [], "errors": []}
