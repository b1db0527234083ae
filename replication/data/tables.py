"""Validated tables of dataset files, parsed once per process while a file and its record are unchanged."""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path

import pandas as pd

from ..caches import forget_between_papers
from .resolve import resolve_file
from .schema import dataset_file
from .validate import read_frame, validate_frame

_TABLES_KEPT = 256  # validated tables kept per process (least recently used dropped first)
_tables: OrderedDict[tuple, pd.DataFrame] = OrderedDict()
forget_between_papers(_tables.clear)


def load_table(dataset: str, key: str | None = None, mirror: Path | None = None) -> pd.DataFrame:
    """The validated table of one dataset file, resolved from the mirror or the download cache (verified on every
    call; parsed once per process while the file and its record are unchanged; a copy, so callers may change it)."""
    spec = dataset_file(dataset, key)
    path = resolve_file(dataset, spec, mirror=mirror)
    st = path.stat()
    memo = (str(path.resolve()), st.st_mtime_ns, st.st_size, spec.model_dump_json())
    if memo in _tables:
        _tables.move_to_end(memo)
    else:
        _tables[memo] = validate_frame(read_frame(path, spec), spec, str(path))
        if len(_tables) > _TABLES_KEPT:
            _tables.popitem(last=False)
    return _tables[memo].copy(deep=True)
