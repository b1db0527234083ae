"""`replication run` decides what is out of date without the numerical stack: its own process stays small (the
papers' work, and its imports, happen in the workers)."""

import subprocess
import sys

CHILD = """
import sys
from pathlib import Path
import replication.runner as runner
from replication.data.verify import dataset_problems
from replication.report.digitised_cache import stale
from replication.results import write_result
problems = dataset_problems(Path(sys.argv[1]))
for key in runner.resolve_keys([]):
    runner.staleness(key, Path(sys.argv[1]), problems, None, 300)
stale(Path(sys.argv[1]))
write_result(Path(sys.argv[1]) / "x" / "result.json", {"a": 1})
print(" ".join(sorted(m for m in ("pandas", "scipy", "matplotlib", "pyarrow", "numpy") if m in sys.modules)) or "none")
"""


def test_deciding_what_to_run_imports_no_numerical_library(tmp_path):
    out = subprocess.run([sys.executable, "-c", CHILD, str(tmp_path)], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "none", out.stdout + out.stderr


def test_a_bootstrap_worker_imports_no_pandas():
    """The module a bootstrap chunk's function lives in (what a worker imports to run it) needs numpy and the fitting
    code only: pandas, pyarrow and scipy.spatial cost a new worker about 0.4 s more."""
    code = ("import sys; import replication.uncertainty.bootstrap; "
            "print(' '.join(m for m in ('pandas', 'pyarrow', 'scipy.spatial') if m in sys.modules) or 'none')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "none", out.stdout + out.stderr
