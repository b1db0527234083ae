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
