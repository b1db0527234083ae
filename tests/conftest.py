"""What the tests share: each paper's result as `make` builds it (build/<key>/result.json).

The end-to-end replication tests read the build that `make` made instead of refitting every paper at a smaller
bootstrap count: `make test` first brings the build up to date (the Makefile's `test` needs the replications), and
the `made` fixture runs a paper here only when its result is missing or out of date (a test file run on its own).
Settings that change what a paper computes (a bootstrap count override, a smaller coverage or multiverse study)
are set aside while it runs, so the tests always judge the numbers the report shows.
"""

from __future__ import annotations

from typing import Callable

import pytest

from replication import paths
from replication.results import read_paper_result
from replication.runner import run_papers

# what `make N_BOOT=... K=... B=...` or a quick run may have set; the shared build is made without them
OVERRIDES = ("SCALING_AUDIT_N_BOOT", "SCALING_AUDIT_COVERAGE_K", "SCALING_AUDIT_COVERAGE_B",
             "SCALING_AUDIT_MULTIVERSE_B", "SCALING_AUDIT_SCRIPT_MULTIVERSE", "SCALING_AUDIT_DASK_SCHEDULER")


def built_result(key: str) -> dict:
    """The paper's current result in the project's build, run first (as `make` would) when missing or out of date."""
    with pytest.MonkeyPatch.context() as mp:
        for var in OVERRIDES:
            mp.delenv(var, raising=False)
        said: list[str] = []
        [outcome] = [o for o in run_papers([key], stale_only=True, say=said.append) if o.key == key]
    result = read_paper_result(paths.BUILD / key / "result.json", key)
    assert result["status"] == outcome.status, (key, outcome, said)
    return result


@pytest.fixture(scope="session")
def made() -> Callable[[str], dict]:
    """``made(key)``: the paper's result as `make` builds it (see the module docstring)."""
    return built_result
