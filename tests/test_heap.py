"""Freed heap handed back between papers: with make's allocator settings a freed array stays resident until then."""

import os
import subprocess
import sys

import pytest

CHILD = """
import numpy as np, psutil
from replication.heap import release_freed_memory
rss = lambda: psutil.Process().memory_info().rss / 2**20
a = np.ones(25_000_000)  # 200 MB from the heap (below the mmap threshold set for this process)
del a
held = rss()
print(release_freed_memory(), round(held), round(rss()))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="malloc_trim is glibc's")
def test_freed_heap_is_returned_to_the_system():
    env = dict(os.environ, MALLOC_MMAP_THRESHOLD_=str(2**30), MALLOC_TRIM_THRESHOLD_=str(2**30))
    out = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, check=True).stdout.split()
    ok, held, after = out[0] == "True", float(out[1]), float(out[2])
    assert ok
    assert held - after > 150, (held, after)  # the 200 MB freed above were still resident, and no longer are


def test_a_paper_run_leaves_no_kept_data_and_arrow_on_the_heap(monkeypatch, tmp_path):
    """After each paper the runner empties what modules kept for reuse within it (tables, figure pages, point
    estimates), and Arrow allocates from the C heap that is handed back."""
    import pyarrow as pa

    import replication.audit as audit
    import replication.data.tables as tables
    import replication.fitting.multistart as multistart
    from replication.runner import _run_one

    def fake_paper(key, **_):
        tables._tables["kept"] = object()
        multistart._memo["kept"] = object()
        return {"status": "ok"}

    monkeypatch.setattr(audit, "run_paper", fake_paper)
    status, error, _, _ = _run_one("toy", tmp_path, None, 1, 0, {})
    assert status == "ok" and error is None
    assert "kept" not in tables._tables and "kept" not in multistart._memo
    assert pa.default_memory_pool().backend_name == "system"
