"""Hand freed memory back to the operating system between papers (glibc's malloc_trim; elsewhere a no-op), and
have Arrow (pandas' string columns) allocate from that heap rather than from its own pool, which keeps what it frees.

`make` keeps up to 256 MiB of freed heap per process (MALLOC_TRIM_THRESHOLD_, for speed inside a paper); a worker
that goes on to a smaller paper would otherwise hold its last paper's peak while the other worker peaks.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import sys


@functools.lru_cache(maxsize=1)
def _libc():
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    return libc if libc is not None and hasattr(libc, "malloc_trim") else None


def release_freed_memory() -> bool:
    """Return the process's free heap pages to the system; True where the C library could (glibc)."""
    libc = _libc()
    if libc is None:
        return False
    libc.malloc_trim(0)
    return True


def allocate_from_the_heap() -> None:
    """Arrow's buffers from the C heap (its system pool) when pyarrow is loaded: its default pool (jemalloc or
    mimalloc) keeps freed memory, about 65 MB after a paper with many string tables. No number depends on it."""
    pa = sys.modules.get("pyarrow")
    if pa is not None and pa.default_memory_pool().backend_name != "system":
        pa.set_memory_pool(pa.system_memory_pool())
